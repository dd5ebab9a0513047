# Licensed under a 3-clause BSD style license - see LICENSE
"""
Run piXedfit's ``pixel_binning`` on one input file and print its wall time.

Runs with the Python that has piXedfit installed (it needs numpy, astropy and
piXedfit only, not pixbin).  piXedfit's package ``__init__`` imports fsps,
which is rarely installable, so only the module file
``piXedfit/piXedfit_bin/pixbin.py`` is loaded, by path.

Usage::

    python _pixedfit_runner.py IN.fits OUT.fits REF_BAND DMIN REDCHI2 SNR0 SNR1 ...

The last line of the output is ``PIXEDFIT_RESULT {"seconds": ..., "peak_rss_mib": ...}``.
"""

import contextlib
import importlib.util
import io
import json
import os
import sys
import time


def _module_file():
    spec = importlib.util.find_spec('piXedfit')
    if spec is None or not spec.submodule_search_locations:
        sys.exit('piXedfit is not installed in this Python')
    for root in spec.submodule_search_locations:
        path = os.path.join(root, 'piXedfit_bin', 'pixbin.py')
        if os.path.exists(path):
            return path
    sys.exit('piXedfit_bin/pixbin.py not found in the piXedfit package')


def _load():
    spec = importlib.util.spec_from_file_location('pxf_pixbin', _module_file())
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _peak_rss_mib():
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv):
    import numpy as np
    fin, fout, ref_band, dmin, redchi2 = argv[:5]
    snr = np.array([float(s) for s in argv[5:]])
    module = _load()
    with contextlib.suppress(OSError), open('/proc/self/clear_refs', 'w') as f:
        f.write('5')   # reset the peak RSS (Linux)
    log = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(log):
        module.pixel_binning(fin, ref_band=int(ref_band), Dmin_bin=float(dmin), SNR=snr,
                             redc_chi2_limit=float(redchi2), name_out_fits=fout)
    seconds = time.perf_counter() - start
    print(log.getvalue().strip())
    print('PIXEDFIT_RESULT ' + json.dumps({'seconds': seconds,
                                           'peak_rss_mib': _peak_rss_mib()}))


if __name__ == '__main__':
    main(sys.argv[1:])
