# Licensed under a 3-clause BSD style license - see LICENSE
"""
pixbin side by side with piXedfit, vorbin and PowerBin on the same mock cubes.

Usage::

    python benchmarks/compare.py                       # 100..800 px, slow peers up to 400 px
    python benchmarks/compare.py --sizes 100 200 --methods pixbin piXedfit
    python benchmarks/compare.py --full                # slow peers at every size too

Every method bins the 12-band mock galaxy ``make_mock_galaxy(shape=(n, n))``
with S/N 10 in the first 7 bands, reference band 4 (r), minimum diameter 4 px
and reduced chi-square limit 4 (where the method has such options).  Each
run happens in a fresh child process with a time cap; its label map is then
scored with `pixbin.metrics.quality_summary`, with the bin fluxes summed
again from the original cube for every method.  Methods that are not
installed are listed as skipped.  Results go to ``--out``:
``compare.csv``, ``compare.md`` and ``compare.png``.
"""

import argparse
import csv
import datetime
import math
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import peers  # noqa: E402

COLUMNS = ['method', 'n', 'pixels', 'status', 'seconds', 'times', 'peak_rss_mib', 'nbins',
           'meet_snr_fraction', 'disconnected', 'disconnected_fraction', 'colour_spread_p90',
           'colour_spread_p99', 'pure_flux_fraction', 'roundness_median', 'roundness_median_multi',
           'roundness_excess_median', 'snr_scatter', 'binned_fraction',
           'single_pixel_fraction', 'note']

STYLE = {
    'pixbin': dict(color='C0', marker='o'),
    'pixbin-greedy': dict(color='C0', marker='o', linestyle=':'),
    'piXedfit': dict(color='C3', marker='s'),
    'vorbin-multi': dict(color='C2', marker='^'),
    'vorbin-r': dict(color='C2', marker='v', linestyle='--'),
    'powerbin-multi': dict(color='C1', marker='D'),
    'powerbin-r': dict(color='C1', marker='d', linestyle='--'),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--sizes', type=int, nargs='+', default=[100, 200, 400, 800],
                        help='image sizes n (n x n pixels); default 100 200 400 800')
    parser.add_argument('--methods', nargs='+', default=list(peers.METHODS),
                        choices=list(peers.METHODS), help='methods to run (default all)')
    parser.add_argument('--full', action='store_true',
                        help='run the slow peers (piXedfit, vorbin) at every size, with a '
                             'default time cap of 3600 s')
    parser.add_argument('--slow-max', type=int, default=400,
                        help='largest n for the slow peers without --full (default 400, '
                             'i.e. 160k pixels)')
    parser.add_argument('--timeout', type=float, default=None,
                        help='time cap per run in s (default 300, 3600 with --full); a '
                             'method that hits it is not run at larger sizes')
    parser.add_argument('--repeats', type=int, default=3,
                        help='least number of runs of a fast method (best time kept); methods '
                             'slower than --repeat-below s run once (default 3)')
    parser.add_argument('--budget', type=float, default=5.0,
                        help='repeat a fast method until its runs took this long in all, in s '
                             f'(at most {peers.MAX_RUNS} runs; default 5)')
    parser.add_argument('--repeat-below', type=float, default=10.0,
                        help='repeat only runs faster than this, in s (default 10)')
    parser.add_argument('--out', default=os.path.join(HERE, 'results'),
                        help='output folder (default benchmarks/results)')
    parser.add_argument('--no-plot', action='store_true', help='do not draw compare.png')
    parser.add_argument('--plot-only', action='store_true',
                        help='only redraw compare.png from the compare.csv in --out')
    args = parser.parse_args(argv)
    if args.timeout is None:
        args.timeout = 3600.0 if args.full else 300.0
    return args


def numba_compile_times():
    """First pixbin call on a 32 x 32 cube with an empty and with a filled numba cache."""
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for key in ('cold', 'cached'):
            result = peers.measure('pixbin', 32, repeats=1, timeout=600, env=env)
            out[key] = result.get('first_call')
    return out


def fmt(value, digits=3):
    if value is None or value == '':
        return '—'
    if isinstance(value, float):
        if math.isnan(value):
            return '—'
        return f'{value:.{digits}f}'
    return str(value)


def fmt_time(row):
    if row['status'] == 'ok':
        s = row['seconds']
        return f'{s:.3f}' if s < 1 else f'{s:.2f}' if s < 100 else f'{s:.0f}'
    if row['status'] == 'timeout':
        return f'> {row["cap"]:.0f} (cap)'
    return '—'


def markdown_table(rows):
    head = ['Method', 'Pixels', 'Time (s)', 'Peak RSS (MiB)', 'Bins', 'Meet S/N',
            'Disconn.', 'Colour p90 (mag)', 'Colour p99 (mag)', 'Pure flux', 'Roundness',
            'Roundness excess', '1-px bins',
            'S/N scatter', 'Binned', 'Note']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for r in rows:
        ok = r['status'] == 'ok'
        disc = f'{r["disconnected"]} ({100 * r["disconnected_fraction"]:.0f}%)' if ok else '—'
        cells = [r['method'], f'{r["pixels"]:,}', fmt_time(r),
                 fmt(r.get('peak_rss_mib'), 0) if ok else '—',
                 fmt(r.get('nbins')) if ok else '—',
                 f'{100 * r["meet_snr_fraction"]:.1f}%' if ok else '—', disc,
                 fmt(r.get('colour_spread_p90')), fmt(r.get('colour_spread_p99')),
                 fmt(r.get('pure_flux_fraction')),
                 fmt(r.get('roundness_median')), fmt(r.get('roundness_excess_median')),
                 f'{100 * r["single_pixel_fraction"]:.0f}%' if ok else '—',
                 fmt(r.get('snr_scatter')),
                 fmt(r.get('binned_fraction')), r.get('note', '')]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def speedup_table(rows):
    by = {(r['method'], r['n']): r for r in rows}
    sizes = sorted({r['n'] for r in rows})
    lines = ['| Pixels | pixbin (s) | piXedfit (s) | Speed-up |', '|---|---|---|---|']
    for n in sizes:
        a, b = by.get(('pixbin', n)), by.get(('piXedfit', n))
        if not a or a['status'] != 'ok' or not b:
            continue
        if b['status'] == 'ok':
            lines.append(f'| {n * n:,} | {a["seconds"]:.3f} | {b["seconds"]:.2f} | '
                         f'{b["seconds"] / a["seconds"]:.0f}x |')
        elif b['status'] == 'timeout':
            lines.append(f'| {n * n:,} | {a["seconds"]:.3f} | > {b["cap"]:.0f} | '
                         f'> {b["cap"] / a["seconds"]:.0f}x |')
        else:
            lines.append(f'| {n * n:,} | {a["seconds"]:.3f} | {b.get("note", "—")} | — |')
    return '\n'.join(lines)


def scaling_lines(rows):
    """Time ratio per 4x pixels of every method, between successive sizes."""
    out = []
    for method in dict.fromkeys(r['method'] for r in rows):
        ok = sorted((r['pixels'], r['seconds']) for r in rows
                    if r['method'] == method and r['status'] == 'ok')
        parts = []
        for (p0, t0), (p1, t1) in zip(ok, ok[1:]):
            if t0 > 0 and t1 > 0:
                slope = math.log(t1 / t0) / math.log(p1 / p0)
                parts.append(f'{p0 // 1000}k→{p1 // 1000}k: x{4 ** slope:.1f} per 4x pixels '
                             f'(N^{slope:.2f})')
        if parts:
            out.append(f'- {method}: ' + '; '.join(parts))
    return '\n'.join(out)


def write_csv(rows, path):
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, COLUMNS, extrasaction='ignore')
        writer.writeheader()
        for r in rows:
            row = dict(r)
            row['times'] = ' '.join(f'{t:.4f}' for t in r.get('times') or [])
            writer.writerow(row)


def write_markdown(rows, path, info, args, compile_times):
    v = info['versions']
    date = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    mem = f'{info["memory_gib"]:.0f} GiB' if info['memory_gib'] else '?'
    text = [
        '# pixbin and its peers on the mock galaxy',
        '',
        f'Measured {date} on {info["cores"]} cores ({info["cpu"]}), {mem}, '
        f'Python {info["python"]}; ' + ', '.join(f'{k} {val}' for k, val in v.items()) + '.',
        '',
        'Problem: `make_mock_galaxy(shape=(n, n))`, 12 bands, S/N >= 10 in bands 0-6, '
        'ref_band 4, min_diameter 4, redchi2_limit 4 (pixbin, piXedfit). Time: wall time of '
        f'the binning call, best of at least {args.repeats} runs and {args.budget:g} s of runs '
        f'(at most {peers.MAX_RUNS}) for runs under {args.repeat_below:g} s, else one run; '
        'time cap '
        f'{args.timeout:g} s per run. '
        + ('' if args.full else f'piXedfit and vorbin run up to {args.slow_max}x'
           f'{args.slow_max} px (use --full for more). ')
        + 'Quality: `pixbin.metrics.quality_summary` on each label map, bin fluxes summed '
        'again from the cube for every method; colour spread and purity on the noise-free '
        'truth.',
        '',
        markdown_table(rows),
        '',
        "Methods: *pixbin* = `bin_pixels` with its default method='complete', "
        "*pixbin-greedy* = method='greedy' (piXedfit's scheme, the default before). "
        'Columns: *Meet S/N* = bins with S/N >= 10 in all 7 required bands; *Disconn.* = bins '
        'that are not one 4-connected piece; *Colour p90* = 90th percentile over bins of the '
        'within-bin colour spread (mag, noise-free truth), *p99* its 99th percentile; '
        '*Pure flux* = fraction of the flux in bins whose dominant component has >= 90% of '
        'their flux; *Roundness* = median of r_max / sqrt(n / pi) - 1 (-1 for a 1-pixel '
        'bin); *Roundness excess* = median over the bins of more than one pixel of '
        '`pixbin.metrics.roundness_excess` (roundness minus that of a digital disc of as many '
        'pixels: 0 = as compact as the bin\'s number of pixels allows); '
        '*1-px bins* = bins of a single pixel; *S/N scatter* = std of '
        'min_b(SN_b / 10) - 1 over bins; '
        '*Binned* = fraction of the pixels in a bin; *Peak RSS* = peak resident memory of the '
        'process that ran the method (interpreter and imports included).',
        '',
    ]
    if compile_times.get('cold') is not None:
        text += [f'pixbin numba compile (first call on a 32x32 cube, excluded from the times): '
                 f'{compile_times["cold"]:.1f} s with an empty cache, '
                 f'{compile_times["cached"]:.2f} s with the on-disk cache.', '']
    speed = speedup_table(rows)
    if speed.count('\n') > 1:
        text += ['## Speed-up of pixbin over piXedfit', '', speed, '']
    scaling = scaling_lines(rows)
    if scaling:
        text += ['## Scaling (time ratio per 4x pixels)', '', scaling, '']
    with open(path, 'w') as f:
        f.write('\n'.join(text))
    return '\n'.join(text)


def plot(rows, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    methods = list(dict.fromkeys(r['method'] for r in rows))
    panels = [
        ('seconds', 'Wall time (s)', True),
        ('meet_snr_fraction', 'Bins meeting S/N in all required bands', False),
        ('colour_spread_p99', 'Within-bin colour spread, p99 over bins (mag)', False),
        ('disconnected_fraction', 'Disconnected bins (fraction)', False),
        ('pure_flux_fraction', 'Flux in pure bins (>= 90% one component)', False),
        ('roundness_median_multi', 'Roundness, median over bins of >= 2 px (0 = disc)',
         False),
    ]
    fig, axes = plt.subplots(2, 3, figsize=(15, 9), layout='constrained')
    for ax, (key, title, logy) in zip(axes.flat, panels):
        for method in methods:
            mine = sorted((r for r in rows if r['method'] == method), key=lambda r: r['pixels'])
            ok = [r for r in mine if r['status'] == 'ok' and r.get(key) is not None]
            style = dict(STYLE.get(method, {}))
            style.setdefault('linestyle', '-')
            if ok:
                ax.plot([r['pixels'] for r in ok], [r[key] for r in ok], label=method,
                        **style)
            if key == 'seconds':
                capped = [r for r in mine if r['status'] == 'timeout']
                if capped:
                    ax.plot([r['pixels'] for r in capped], [r['cap'] for r in capped],
                            linestyle='none', marker='^', markerfacecolor='none',
                            markersize=11, color=style.get('color'))
        ax.set_xscale('log')
        if logy:
            ax.set_yscale('log')
            ax.set_ylabel('s')
        ax.set_title(title, fontsize=10)
        ax.set_xlabel('pixels (12 bands)')
        ax.grid(True, which='major', alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    handles.append(plt.Line2D([], [], linestyle='none', marker='^', markerfacecolor='none',
                              markersize=11, color='grey'))
    labels.append('stopped at the time cap')
    fig.legend(handles, labels, loc='outside lower center', ncol=len(labels), fontsize=9)
    fig.suptitle('pixbin vs piXedfit, vorbin and PowerBin on the 12-band mock galaxy '
                 '(S/N 10 in 7 bands)', fontsize=12)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def read_csv(path, cap):
    """Rows of a compare.csv, with numbers parsed."""
    rows = []
    with open(path, newline='') as f:
        for row in csv.DictReader(f):
            out = dict(row, cap=cap)
            for key, value in row.items():
                if key in ('method', 'status', 'note', 'times'):
                    continue
                out[key] = None if value in ('', 'None') else float(value)
            out['n'], out['pixels'] = int(out['n']), int(out['pixels'])
            rows.append(out)
    return rows


def run(args):
    os.makedirs(args.out, exist_ok=True)
    info = peers.machine_info()
    available = {m: peers.availability(m) for m in args.methods}
    rows, capped = [], {}
    compile_times = {}
    if 'pixbin' in args.methods:
        compile_times = numba_compile_times()
        print(f'pixbin numba compile: {compile_times}', flush=True)
    for n in sorted(args.sizes):
        cube, truth = peers.make_cube(n, return_truth=True)
        for method in args.methods:
            row = dict(method=method, n=n, pixels=n * n, cap=args.timeout, note='')
            ok, why = available[method]
            slow = peers.METHODS[method].slow
            if not ok:
                row.update(status='skipped', note=why)
            elif method in capped:
                row.update(status='skipped',
                           note=f'not run: hit the {args.timeout:g} s cap at {capped[method]:,} px')
            elif slow and not args.full and n > args.slow_max:
                row.update(status='skipped', note='not run by default (slow): use --full')
            else:
                print(f'{method} {n}x{n} ...', end=' ', flush=True)
                result = peers.measure(method, n, repeats=args.repeats,
                                       repeat_below=args.repeat_below, budget=args.budget,
                                       timeout=args.timeout, cube=cube)
                row.update(status=result['status'], seconds=result.get('seconds'),
                           times=result.get('times'), peak_rss_mib=result.get('peak_rss_mib'))
                if result['status'] == 'ok':
                    row.update(peers.quality(result['labels'], cube, truth))
                    print(f'{row["seconds"]:.3f} s, {row["nbins"]} bins', flush=True)
                elif result['status'] == 'timeout':
                    capped[method] = n * n
                    row['note'] = f'stopped at the {args.timeout:g} s cap'
                    print('time cap', flush=True)
                else:
                    row['note'] = 'error: ' + result['error'].strip().splitlines()[-1][:120]
                    print(result['error'], flush=True)
            rows.append(row)
            # Written after every run, so that an interrupted run keeps its results.
            write_csv(rows, os.path.join(args.out, 'compare.csv'))
            text = write_markdown(rows, os.path.join(args.out, 'compare.md'), info, args,
                                  compile_times)
        del cube, truth
    if not args.no_plot:
        plot(rows, os.path.join(args.out, 'compare.png'))
    print()
    print(text)
    return rows


def main(argv=None):
    args = parse_args(argv)
    if args.plot_only:
        plot(read_csv(os.path.join(args.out, 'compare.csv'), args.timeout),
             os.path.join(args.out, 'compare.png'))
        return
    run(args)


if __name__ == '__main__':
    main()
