# Licensed under a 3-clause BSD style license - see LICENSE
"""
pixbin (default and greedy) side by side with piXedfit, vorbin and PowerBin on four data sets.

Usage::

    python benchmarks/compare_datasets.py                  # every data set, about 11 min
    python benchmarks/compare_datasets.py --datasets sauron muse --methods pixbin vorbin
    python benchmarks/compare_datasets.py --plot-only      # redraw from the saved label maps

Data sets (`peers.load_dataset`):

- ``mock``: the sharp-edged 12-band mock of `compare.py`, ``--sizes`` n x n pixels;
- ``blended``: the PSF-blended 12-band mock ``make_blended_galaxy``, same sizes;
  both with S/N 10 in bands 0-6, ref_band 4, min_diameter 4, redchi2_limit 4;
- ``sauron``: SAURON NGC 2273 (3107 spaxels, one band), S/N 50, min_diameter 1;
  vorbin and PowerBin in their single-band mode (signal, noise; target 50);
- ``muse``: MUSE Abell 478 (40 x 40 spaxels) through 12 windows of ~383 A from
  4750 to 9350 A (`peers.muse_windows`), S/N 60 in all, min_diameter 4 px
  (0.8 arcsec); vorbin and PowerBin with the multi-band S/N function.

Every method gets the same photometric cube; each run happens in a fresh child
process with a time cap and is scored by `peers.quality`.  Real data are
fetched (and cached) by pixbin's loaders at the first run.  Results go to
``--out``: ``datasets.csv``, ``datasets.md`` and ``datasets.png`` (bin maps);
the label maps are kept in ``--labels`` (outside the repository) for
``--plot-only``.
"""

import argparse
import csv
import datetime
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import compare  # noqa: E402
import peers  # noqa: E402

#: Methods of this comparison; vorbin and PowerBin take the multi-band S/N, or the
#: single-band mode on one-band data.
METHODS = {'pixbin': 'pixbin', 'pixbin-greedy': 'pixbin-greedy', 'piXedfit': 'piXedfit',
           'vorbin': 'vorbin-multi', 'PowerBin': 'powerbin-multi'}
SINGLE_BAND = {'vorbin': 'vorbin-r', 'PowerBin': 'powerbin-r'}
#: Peers' label maps of the same run, merged by `peers.repair_to_target` until every bin
#: reaches the target: method -> the method whose labels are repaired.
REPAIRED = {'vorbin-repaired': 'vorbin', 'PowerBin-repaired': 'PowerBin'}
METHODS.update({method: None for method in REPAIRED})
LABEL = {'pixbin': 'pixbin (default)', 'pixbin-greedy': 'pixbin greedy',
         'vorbin-repaired': 'vorbin, repaired to target',
         'PowerBin-repaired': 'PowerBin, repaired to target'}

MOCK = peers.Problem()
PROBLEMS = {
    'mock': MOCK,
    'blended': MOCK,
    'sauron': peers.Problem(snr=(50.0,), ref_band=0, min_diameter=1.0),
    'muse': peers.Problem(snr=(60.0,) * 12, ref_band=None, min_diameter=4.0),
}

COLUMNS = ['dataset', 'method', 'runner', 'pixels', 'nvalid', 'status', 'seconds', 'nbins',
           'binned_fraction', 'binned_snr3_fraction', 'max_unbinned_reach',
           'colour_spread_p90', 'pure_flux_fraction', 'snr_rms_multi', 'frac_below_target',
           'roundness_median', 'roundness_excess_median', 'single_pixel_fraction',
           'disconnected', 'note']


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--datasets', nargs='+', default=list(peers.DATASETS),
                        choices=list(peers.DATASETS), help='data sets (default all)')
    parser.add_argument('--sizes', type=int, nargs='+', default=[100, 200],
                        help='sizes n of the mocks (n x n pixels); default 100 200')
    parser.add_argument('--methods', nargs='+', default=list(METHODS), choices=list(METHODS),
                        help='methods (default all)')
    parser.add_argument('--timeout', type=float, default=300.0,
                        help='time cap per run in s (default 300)')
    parser.add_argument('--repeats', type=int, default=3, help='as in compare.py')
    parser.add_argument('--budget', type=float, default=3.0, help='as in compare.py')
    parser.add_argument('--repeat-below', type=float, default=10.0, help='as in compare.py')
    parser.add_argument('--out', default=os.path.join(HERE, 'results'),
                        help='output folder (default benchmarks/results)')
    parser.add_argument('--labels', default=os.path.join(tempfile.gettempdir(),
                                                         'pixbin_datasets_labels.npz'),
                        help='file of the label maps (default in the temporary folder)')
    parser.add_argument('--plot-only', action='store_true',
                        help='only redraw datasets.png from --labels')
    return parser.parse_args(argv)


def problem_for(name, cube):
    """The problem of a data set; MUSE: ref band = the window of highest total S/N."""
    problem = PROBLEMS[name]
    if problem.ref_band is None:
        data, std, valid = peers._arrays(cube)
        total = data[:, valid].sum(axis=1) / np.sqrt(np.square(std[:, valid]).sum(axis=1))
        problem = peers.Problem(snr=problem.snr, ref_band=int(np.argmax(total)),
                                min_diameter=problem.min_diameter,
                                redchi2_limit=problem.redchi2_limit)
    return problem


def cases(args):
    """(key, data set, n) of every run."""
    out = []
    for name in args.datasets:
        if name in ('mock', 'blended'):
            out += [(f'{name} {n}x{n}', name, n) for n in sorted(args.sizes)]
        else:
            out.append((name, name, None))
    return out


def runner(method, cube):
    one_band = np.ndim(cube.data) == 2 or np.shape(cube.data)[0] == 1
    return SINGLE_BAND.get(method, METHODS[method]) if one_band else METHODS[method]


def pct(value):
    return '—' if value is None else f'{100 * value:.1f}%'


def markdown_table(rows):
    head = ['Data set', 'Method', 'Time (s)', 'Bins', 'Binned', 'Binned S/N>3',
            'Max unbinned reach', 'Colour p90 (mag)', 'Pure flux', 'S/N rms', 'Below target',
            'Roundness', 'Roundness excess', 'Note']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for r in rows:
        ok = r['status'] == 'ok'
        f = compare.fmt
        name = LABEL.get(r['method'], r['method'])
        if r['method'] not in REPAIRED and not r['runner'].startswith('pixbin') \
                and r['runner'] != r['method']:
            name += f' ({r["runner"]})'
        cells = [r['dataset'], name, compare.fmt_time(r)]
        if ok:
            cells += [str(r['nbins']), pct(r['binned_fraction']), pct(r['binned_snr3_fraction']),
                      f(r['max_unbinned_reach'], 2), f(r.get('colour_spread_p90')),
                      f(r.get('pure_flux_fraction')), f(r.get('snr_rms_multi')),
                      pct(r['frac_below_target']), f(r['roundness_median'], 2),
                      f(r.get('roundness_excess_median'), 2)]
        else:
            cells += ['—'] * 10
        lines.append('| ' + ' | '.join(cells + [r.get('note', '')]) + ' |')
    return '\n'.join(lines)


def write(rows, args, info):
    with open(os.path.join(args.out, 'datasets.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, COLUMNS, extrasaction='ignore')
        writer.writeheader()
        writer.writerows(rows)
    v = info['versions']
    date = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    text = [
        '# pixbin and its peers on four data sets', '',
        f'Measured {date} on {info["cores"]} cores ({info["cpu"]}), Python {info["python"]}; '
        + ', '.join(f'{k} {val}' for k, val in v.items()) + '.', '',
        'Mocks (sharp `make_mock_galaxy`, PSF-blended `make_blended_galaxy`): 12 bands, S/N 10 '
        'in bands 0-6, ref_band 4, min_diameter 4, redchi2_limit 4. SAURON NGC 2273: one band, '
        'S/N 50, min_diameter 1 (pixbin, piXedfit); vorbin and PowerBin in their single-band '
        'mode, target 50. MUSE Abell 478: 12 windows of ~383 A from 4750 to 9350 A, S/N 60 in '
        'all, ref band = the window of highest total S/N, min_diameter 4 px (0.8"); vorbin and '
        'PowerBin with the multi-band S/N function of `peers.py`. Every method bins the same '
        'photometric cube (valid pixels only for the peers). Time: wall time of the binning '
        f'call, best of at least {args.repeats} runs for runs under {args.repeat_below:g} s.',
        '', markdown_table(rows), '',
        'Columns: *Binned* = fraction of the valid pixels in a bin; *Binned S/N>3* = the same '
        'for the valid pixels with S/N > 3 in the reference band; *Max unbinned reach* = the '
        'largest summed S/N over the target, in its worst required band, of a 4-connected '
        'group of unbinned valid pixels (`pixbin.metrics.unbinned_groups`; < 1: no group left '
        'out could make a bin by itself; 0: nothing left out); *Colour p90* = 90th percentile '
        'over bins of the within-bin colour spread (mag, noise-free truth: mocks only); '
        '*Pure flux* = fraction of the flux in bins >= 90% from one component (mocks only); '
        '*S/N rms* = rms over the bins of more than one pixel of min_b(SN_b / T_b) - 1; '
        '*Below target* = fraction of the bins below the target in some required band; '
        '*Roundness* = median over all bins of `pixbin.metrics.roundness` '
        '(r_max / sqrt(n / pi) - 1; -1 for a 1-pixel bin, 0 for a disc); *Roundness excess* = '
        'median over the bins of more than one pixel of `pixbin.metrics.roundness_excess` '
        '(roundness minus that of a digital disc of as many pixels: 0 = as compact as the '
        "bin's number of pixels allows, whatever the bin sizes). *repaired to target*: the "
        'label map of vorbin or PowerBin from the same run, with the bin of lowest '
        'min-over-required-bands S/N / target below 1 merged into its 4-adjacent bin of '
        'lowest such S/N until every bin reaches the target (`peers.repair_to_target`); its '
        'time is that of the peer plus the merging.', '',
    ]
    with open(os.path.join(args.out, 'datasets.md'), 'w') as f:
        f.write('\n'.join(text))
    return '\n'.join(text)


def plot(maps, path):
    """Bin maps: rows = data sets, columns = methods; unbinned white, no data grey."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    runs = [k.split('|') for k in maps if not k.endswith('|valid')]
    keys = list(dict.fromkeys(k[0] for k in runs))
    methods = list(dict.fromkeys(k[1] for k in runs))
    fig, axes = plt.subplots(len(keys), len(methods), figsize=(2.3 * len(methods),
                                                               2.4 * len(keys)),
                             layout='constrained', squeeze=False)
    rng = np.random.default_rng(1)
    colours = rng.uniform(0.15, 0.95, (200000, 3))
    for i, key in enumerate(keys):
        valid = maps[f'{key}|valid']
        for j, method in enumerate(methods):
            ax = axes[i, j]
            ax.set_xticks([])
            ax.set_yticks([])
            labels = maps.get(f'{key}|{method}')
            if i == 0:
                ax.set_title(LABEL.get(method, method), fontsize=9)
            if j == 0:
                ax.set_ylabel(key, fontsize=9)
            if labels is None:
                note = str(maps.get(f'{key}|{method}|note', 'not run'))
                ax.text(0.5, 0.5, note.replace(' at the', '\nat the'), ha='center',
                        va='center', transform=ax.transAxes, fontsize=8)
                continue
            labels = peers.relabel(labels)
            image = np.ones(labels.shape + (3,))
            image[~valid] = 0.6
            inside = labels > 0
            image[inside] = colours[labels[inside] % len(colours)]
            ax.imshow(image, origin='lower', interpolation='nearest')
            ax.text(0.02, 0.98, f'{labels.max()} bins', transform=ax.transAxes, fontsize=7,
                    va='top', bbox=dict(facecolor='white', alpha=0.7, pad=1, lw=0))
    fig.suptitle('Bin maps (random colour per bin; white: valid but unbinned; grey: no data)',
                 fontsize=10)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def repaired_row(method, key, rows, maps, cube, truth, problem):
    """The row of a peer's label map of this run repaired to the target (maps updated)."""
    import time
    base = REPAIRED[method]
    done = [r for r in rows if r['dataset'] == key and r['method'] == base]
    row = dict(done[0]) if done else dict(dataset=key, status='skipped', seconds=None)
    row.update(method=method, runner=f'{row.get("runner", base)} + repair', note='')
    for column in COLUMNS[COLUMNS.index('nbins'):-1]:
        row.pop(column, None)
    if row['status'] != 'ok':
        row.update(status='skipped', note=f'needs {base} in --methods' if not done
                   else f'{base} did not run')
        return row
    data, std, _ = peers._arrays(cube)
    start = time.perf_counter()
    labels = peers.repair_to_target(maps[f'{key}|{base}'], data, std, problem.thresholds)
    seconds = time.perf_counter() - start
    row.update(peers.quality(labels, cube, truth, problem))
    row.update(seconds=row['seconds'] + seconds,
               note=f'{base} {done[0]["nbins"]} bins merged in {seconds:.2f} s')
    maps[f'{key}|{method}'] = labels
    print(f'{key} {method}: {row["nbins"]} bins', flush=True)
    return row


def run(args):
    os.makedirs(args.out, exist_ok=True)
    info = peers.machine_info()
    rows, maps = [], {}
    for key, name, n in cases(args):
        cube, truth = peers.load_dataset(name, n, return_truth=True)
        problem = problem_for(name, cube)
        _, _, valid = peers._arrays(cube)
        maps[f'{key}|valid'] = valid
        for method in args.methods:
            if method in REPAIRED:
                rows.append(repaired_row(method, key, rows, maps, cube, truth, problem))
                text = write(rows, args, info)
                np.savez_compressed(args.labels, **maps)
                continue
            name_run = runner(method, cube)
            row = dict(dataset=key, method=method, runner=name_run, cap=args.timeout,
                       pixels=int(valid.size), nvalid=int(valid.sum()), note='')
            ok, why = peers.availability(name_run)
            if not ok:
                row.update(status='skipped', note=why)
                rows.append(row)
                continue
            print(f'{key} {method} ...', end=' ', flush=True)
            result = peers.measure(name_run, n, problem, repeats=args.repeats,
                                   repeat_below=args.repeat_below, budget=args.budget,
                                   timeout=args.timeout, cube=cube, dataset=name)
            row.update(status=result['status'], seconds=result.get('seconds'))
            if result['status'] == 'ok':
                row.update(peers.quality(result['labels'], cube, truth, problem))
                maps[f'{key}|{method}'] = result['labels']
                print(f'{row["seconds"]:.3f} s, {row["nbins"]} bins', flush=True)
            else:
                row['note'] = (f'stopped at the {args.timeout:g} s cap'
                               if result['status'] == 'timeout' else
                               'error: ' + result['error'].strip().splitlines()[-1][:120])
                maps[f'{key}|{method}|note'] = np.array(row['note'])
                print(result['error'], flush=True)
            rows.append(row)
            text = write(rows, args, info)
            np.savez_compressed(args.labels, **maps)
    plot_maps(maps, args)
    print(text)
    return rows


def plot_maps(maps, args):
    """datasets.png from the blended mock (smallest size), SAURON and MUSE."""
    keep = [k for k in dict.fromkeys(k.split('|')[0] for k in maps)
            if not k.startswith('mock')]
    blended = [k for k in keep if k.startswith('blended')]
    keep = [k for k in keep if not k.startswith('blended')] + blended[:1]
    keep = sorted(keep, key=lambda k: ('blended' not in k, 'muse' in k))
    plot({k: v for k, v in maps.items() if k.split('|')[0] in keep},
         os.path.join(args.out, 'datasets.png'))


def main(argv=None):
    args = parse_args(argv)
    if args.plot_only:
        with np.load(args.labels) as saved:
            plot_maps(dict(saved), args)
        return
    run(args)


if __name__ == '__main__':
    main()
