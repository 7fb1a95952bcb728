"""Everything VTK: 2D slice views, MPR, 3D, curved reformat and the offscreen renderer."""
