"""Write the phantom studies to a folder: ``yunying-phantom OUT [--light] [--syntax TS]``."""

from __future__ import annotations

import argparse
from dataclasses import replace

from phantoms import series as S


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="yunying-phantom", description=__doc__)
    ap.add_argument("out", help="folder to write (one sub-folder per series)")
    ap.add_argument("--light", action="store_true", help="a smaller CT (80 slices of 256²)")
    ap.add_argument(
        "--syntax",
        choices=sorted(S.TRANSFER_SYNTAXES),
        help="write every series in this transfer syntax (default: a mix)",
    )
    ap.add_argument("--ct-slices", type=int, default=320)
    args = ap.parse_args(argv)
    specs = S.demo_specs(ct_slices=args.ct_slices, light=args.light)
    if args.syntax:
        specs = {k: replace(v, transfer_syntax=args.syntax) for k, v in specs.items()}
    S.write_study(specs, args.out)
    for name, spec in specs.items():
        print(
            f"{name}: {spec.n_slices} images, {spec.modality}, {spec.transfer_syntax}, "
            f"series {spec.series_uid}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
