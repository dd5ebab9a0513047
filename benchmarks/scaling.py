# Licensed under a 3-clause BSD style license - see LICENSE
"""
How pixbin's time and memory grow with the image, up to 2000 x 2000 pixels.

Usage::

    python benchmarks/scaling.py                          # 100 .. 1600 and 2000 px
    python benchmarks/scaling.py --sizes 100 200 400

Each size runs in a fresh child process (numba compile excluded: a first call
on a 32 x 32 cube comes before the timed runs) on the 12-band mock galaxy
with the problem of ``compare.py``.  Reported: best wall time of
`pixbin.bin_pixels`, the peak resident memory of the process while it bins
(the cube, interpreter and imports included) and over its whole life
(making the mock included), the time ratio between successive sizes, and the quality
figures.  Targets: 2000 x 2000 in < 120 s and < 24 GiB; < 5x time per 4x
pixels.  Results go to ``--out``: ``scaling.csv``, ``scaling.md`` and
``scaling.png``.
"""

import argparse
import csv
import datetime
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import peers  # noqa: E402

TARGET_SECONDS = 120.0
TARGET_GIB = 24.0
TARGET_RATIO = 5.0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[100, 200, 400, 800, 1600, 2000],
                        help='image sizes n (n x n pixels)')
    parser.add_argument('--repeats', type=int, default=3,
                        help='least number of runs per size, best kept (runs over 10 s are '
                             'not repeated)')
    parser.add_argument('--budget', type=float, default=5.0,
                        help='repeat until the runs of a size took this long in all, in s '
                             f'(at most {peers.MAX_RUNS} runs; default 5)')
    parser.add_argument('--timeout', type=float, default=1200.0, help='time cap per size (s)')
    parser.add_argument('--no-quality', action='store_true',
                        help='skip the quality figures (saves memory and time)')
    parser.add_argument('--out', default=os.path.join(HERE, 'results'))
    parser.add_argument('--plot-only', action='store_true',
                        help='only redraw scaling.png from the scaling.csv in --out')
    return parser.parse_args(argv)


def ratios(rows):
    """
    (p0, p1, time ratio, exponent) between successive sizes.

    The time ratio is the measured one, ``t1 / t0``; the exponent is that of
    ``t ~ N**slope`` between the two sizes.
    """
    ok = [r for r in rows if r['status'] == 'ok']
    out = []
    for a, b in zip(ok, ok[1:]):
        slope = math.log(b['seconds'] / a['seconds']) / math.log(b['pixels'] / a['pixels'])
        out.append((a['pixels'], b['pixels'], b['seconds'] / a['seconds'], slope))
    return out


def is_4x_step(p0, p1):
    """True for a step of 4x pixels (n doubled), the steps the < 5x target is about."""
    return abs(p1 / p0 - 4.0) < 0.01


def fit_exponent(rows, min_pixels=40_000):
    """Least-squares slope of log(time) against log(pixels) above ``min_pixels``."""
    import numpy as np
    ok = [r for r in rows if r['status'] == 'ok' and r['pixels'] >= min_pixels]
    if len(ok) < 2:
        return None
    x = np.log([r['pixels'] for r in ok])
    y = np.log([r['seconds'] for r in ok])
    return float(np.polyfit(x, y, 1)[0])


def write_outputs(rows, args, info):
    os.makedirs(args.out, exist_ok=True)
    keys = ['n', 'pixels', 'status', 'seconds', 'times', 'peak_rss_mib',
            'process_peak_rss_mib', 'nbins', 'meet_snr_fraction', 'disconnected',
            'colour_spread_p90', 'pure_flux_fraction', 'binned_fraction']
    with open(os.path.join(args.out, 'scaling.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, keys, extrasaction='ignore')
        writer.writeheader()
        for r in rows:
            writer.writerow(dict(r, times=' '.join(f'{t:.4f}' for t in r.get('times') or [])))
    date = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    v = info['versions']
    mem = f'{info["memory_gib"]:.0f} GiB' if info['memory_gib'] else '?'
    lines = [
        '# pixbin alone: time and memory against image size',
        '',
        f'Measured {date} on {info["cores"]} cores ({info["cpu"]}), {mem}, '
        f'Python {info["python"]}; ' + ', '.join(f'{k} {val}' for k, val in v.items()
                                                 if k in ('pixbin', 'numba', 'numpy')) + '.',
        '',
        'Mock galaxy n x n, 12 bands, S/N >= 10 in bands 0-6, ref_band 4, min_diameter 4, '
        'redchi2_limit 4. Time: best of at least '
        f'{args.repeats} runs of `bin_pixels` (default method=\'complete\') and '
        f'{args.budget:g} s of runs (at most '
        f'{peers.MAX_RUNS}; one if over 10 s), numba compile excluded. '
        'Peak RSS while binning: the process peak from just before the timed runs (cube, '
        'interpreter and imports included); over the process: also making the mock.',
        '',
        '| Pixels | Time (s) | Time ratio to the size before | Peak RSS binning (MiB) '
        '| Peak RSS process (MiB) | Bins | Meet S/N | Disconn. | Colour p90 (mag) | Binned |',
        '|---|---|---|---|---|---|---|---|---|---|',
    ]
    per = {}
    for a, b, ratio, slope in ratios(rows):
        step = '' if is_4x_step(a, b) else f' for x{b / a:.2f} px'
        per[b] = f'{ratio:.2f}{step} (N^{slope:.2f})'

    for r in rows:
        if r['status'] != 'ok':
            lines.append(f'| {r["pixels"]:,} | {r["status"]} | — | — | — | — | — | — | — | — |')
            continue
        ratio = per.get(r['pixels'], '—')
        quality = ('— | — | — | — | —' if 'nbins' not in r else
                   f'{r["nbins"]:,} | {100 * r["meet_snr_fraction"]:.1f}% | '
                   f'{r["disconnected"]} | {r["colour_spread_p90"]:.3f} | '
                   f'{r["binned_fraction"]:.3f}')
        lines.append(f'| {r["pixels"]:,} | {r["seconds"]:.3f} | {ratio} | '
                     f'{r["peak_rss_mib"]:.0f} | {r["process_peak_rss_mib"]:.0f} | {quality} |')
    lines.append('')
    slope = fit_exponent(rows)
    if slope is not None:
        lines.append(f'Fitted exponent above 40k pixels: time ~ N^{slope:.2f} '
                     f'(x{4 ** slope:.2f} per 4x pixels; target < x{TARGET_RATIO:g}).')
    big = [r for r in rows if r['status'] == 'ok' and r['pixels'] >= 4_000_000]
    for r in big:
        gib = r['process_peak_rss_mib'] / 1024
        lines.append(f'{r["n"]}x{r["n"]} ({r["pixels"] / 1e6:.0f} Mpx x 12 bands): '
                     f'{r["seconds"]:.1f} s (target < {TARGET_SECONDS:g} s: '
                     f'{"met" if r["seconds"] < TARGET_SECONDS else "MISSED"}), peak RSS '
                     f'{r["peak_rss_mib"] / 1024:.2f} GiB while binning, {gib:.2f} GiB over the '
                     f'process (target < {TARGET_GIB:g} GiB: '
                     f'{"met" if gib < TARGET_GIB else "MISSED"}).')
    worst = max((ratio for a, b, ratio, _ in ratios(rows) if is_4x_step(a, b)), default=None)
    if worst is not None:
        lines.append(f'Largest time ratio over a step of 4x pixels: x{worst:.2f} '
                     f'(target < x{TARGET_RATIO:g}: '
                     f'{"met" if worst < TARGET_RATIO else "MISSED"}).')
    text = '\n'.join(lines) + '\n'
    with open(os.path.join(args.out, 'scaling.md'), 'w') as f:
        f.write(text)
    return text


def plot(rows, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np
    ok = [r for r in rows if r['status'] == 'ok']
    if len(ok) < 2:
        return
    p = np.array([r['pixels'] for r in ok], float)
    t = np.array([r['seconds'] for r in ok])
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.3), constrained_layout=True)
    a1.plot(p, t, 'o-', color='C0', label='pixbin bin_pixels')
    ref = p[-1]
    a1.plot(p, t[-1] * p / ref, ':', color='grey', label='∝ N')
    a1.plot(p, t[-1] * (p / ref) ** math.log(TARGET_RATIO, 4), '--', color='grey',
            label=f'x{TARGET_RATIO:g} per 4x pixels (target bound)')
    a1.axhline(TARGET_SECONDS, color='C3', lw=0.8, label=f'{TARGET_SECONDS:g} s target')
    a1.set(xscale='log', yscale='log', xlabel='pixels (12 bands)', ylabel='wall time (s)',
           title='Time, numba compile excluded')
    a1.legend(fontsize=8)
    a2.plot(p, [r['peak_rss_mib'] / 1024 for r in ok], 'o-', color='C0',
            label='peak RSS while binning')
    a2.plot(p, [r['process_peak_rss_mib'] / 1024 for r in ok], 's--', color='C1',
            label='peak RSS of the process (mock included)')
    a2.set(xscale='log', xlabel='pixels (12 bands)', ylabel='GiB', ylim=(0, None),
           title=f'Peak memory (target < {TARGET_GIB:g} GiB at 4 Mpx)')
    a2.legend(fontsize=8)
    for ax in (a1, a2):
        ax.grid(True, which='major', alpha=0.3)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def read_csv(path):
    rows = []
    with open(path, newline='') as f:
        for row in csv.DictReader(f):
            out = dict(row)
            for key in ('seconds', 'peak_rss_mib', 'process_peak_rss_mib'):
                out[key] = float(row[key]) if row[key] else None
            out['pixels'] = int(row['pixels'])
            rows.append(out)
    return rows


def main(argv=None):
    args = parse_args(argv)
    if args.plot_only:
        plot(read_csv(os.path.join(args.out, 'scaling.csv')),
             os.path.join(args.out, 'scaling.png'))
        return
    info = peers.machine_info()
    rows = []
    for n in sorted(args.sizes):
        print(f'pixbin {n}x{n} ...', end=' ', flush=True)
        result = peers.measure('pixbin', n, repeats=args.repeats, budget=args.budget,
                               timeout=args.timeout)
        row = dict(n=n, pixels=n * n, status=result['status'], seconds=result.get('seconds'),
                   times=result.get('times'), peak_rss_mib=result.get('peak_rss_mib'),
                   process_peak_rss_mib=result.get('process_peak_rss_mib'))
        if result['status'] == 'ok':
            print(f'{row["seconds"]:.3f} s, peak RSS {row["peak_rss_mib"]:.0f} MiB', flush=True)
            if not args.no_quality:
                cube, truth = peers.make_cube(n, return_truth=True)
                row.update(peers.quality(result['labels'], cube, truth))
                del cube, truth
        else:
            print(result['status'], result.get('error', ''), flush=True)
        rows.append(row)
        text = write_outputs(rows, args, info)
    plot(rows, os.path.join(args.out, 'scaling.png'))
    print()
    print(text)


if __name__ == '__main__':
    main()
