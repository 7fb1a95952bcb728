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
    ap.add_argument(
        "--cases",
        action="store_true",
        help="also write the SUV cases and the multi-volume MR series into OUT/cases",
    )
    args = ap.parse_args(argv)
    if args.cases:
        _write_cases(args.out)
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


def _write_cases(out: str) -> None:
    import os

    from phantoms import multi, pet

    root = os.path.join(out, "cases")
    for case in pet.catalogue():
        pet.write_case(case, os.path.join(root, "pet", case.name))
        print(f"PET case {case.name}: series {case.series_uid}")
    multi.multi_echo_mr(os.path.join(root, "multi-echo"))
    multi.diffusion_mr(os.path.join(root, "diffusion"))
    multi.enhanced_dynamic_mr(os.path.join(root, "enhanced-dynamic"))
    print(f"multi-echo, diffusion and enhanced dynamic MR in {root}")


if __name__ == "__main__":
    raise SystemExit(main())
