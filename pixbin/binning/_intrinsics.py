# Licensed under a 3-clause BSD style license - see LICENSE
"""
Low-level helpers for the numba kernels.
"""

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

__all__ = []


@intrinsic
def prefetch_row(typingctx, array, row):
    """
    Ask the CPU to bring row ``row`` of a 2-D C-contiguous array into cache.

    A hint with no effect on results: the bins grow through pixels in an
    order that the hardware prefetcher cannot guess, so the kernel announces
    each pixel's SED when it queues the pixel, and the memory latency overlaps
    with other work by the time the pixel is tested.  The first and the last
    element of the row are prefetched (a row can straddle two cache lines).
    """
    if not (isinstance(array, types.Array) and array.ndim == 2 and array.layout == 'C'
            and isinstance(row, types.Integer)):
        return None
    sig = types.void(array, row)

    def codegen(context, builder, signature, args):
        aryty, rowty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        shape = cgutils.unpack_tuple(builder, ary.shape)
        strides = cgutils.unpack_tuple(builder, ary.strides)
        index = context.cast(builder, args[1], rowty, types.intp)
        last = builder.sub(shape[1], context.get_constant(types.intp, 1))
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, 'llvm.prefetch.p0i8')
        for column in (context.get_constant(types.intp, 0), last):
            ptr = cgutils.get_item_pointer2(context, builder, data=ary.data, shape=shape,
                                            strides=strides, layout=aryty.layout,
                                            inds=[index, column], wraparound=False,
                                            boundscheck=False)
            # read, high temporal locality, data cache
            builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen
