"""A tiny z-buffered ray caster for the synthetic lifter (numpy only).

The camera is orthographic (weak perspective), so every pixel's ray is parallel
to the view axis and the intersections with spheres, ellipsoids and boxes have
closed forms that vectorise over the pixels of each primitive's bounding box.

Coordinates here are *screen* coordinates in pixels: ``X`` to the right, ``Y``
down, ``Z`` depth away from the camera (same unit as X and Y, pixels). Normals
are unit vectors in the same axes; a surface facing the camera has ``n_z < 0``.

A primitive writes a pixel when its depth is nearer than what the z-buffer
holds. Colours are float RGB in [0, 1]. Each primitive carries an integer id so
that :meth:`Canvas.outline` can darken silhouettes and depth steps between
parts (sleeve in front of a shirt of the same colour still shows an edge).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

# Light direction (towards the light) in screen axes: from the upper left, in front.
LIGHT = np.array([-0.35, -0.6, -0.72])
LIGHT = LIGHT / np.linalg.norm(LIGHT)
AMBIENT = 0.45
DIFFUSE = 0.62



def _light() -> np.ndarray:
    return LIGHT


# A shader maps (normals (N, 3), base colour (3,)) -> colours (N, 3).
Shader = Callable[[np.ndarray, np.ndarray], np.ndarray]


def lambert(normals: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Ambient + diffuse shading of a base colour for (N, 3) unit normals; returns (N, 3)."""
    k = AMBIENT + DIFFUSE * np.clip(normals @ _light(), 0.0, 1.0)
    # A little rim light keeps dark clothes separable from dark backgrounds.
    rim = 0.10 * (1.0 - np.abs(normals[:, 2])) ** 2
    return np.clip(colour[None, :] * k[:, None] + rim[:, None], 0.0, 1.0)


@dataclass
class Canvas:
    """Colour, depth and primitive-id buffers of one frame.

    Attributes:
        rgb: (H, W, 3) float32 colours in [0, 1].
        z: (H, W) float32 depth in pixels (inf = background).
        ids: (H, W) int32 primitive ids (0 = background).
    """

    rgb: np.ndarray
    z: np.ndarray
    ids: np.ndarray

    @classmethod
    def blank(cls, width: int, height: int, background: np.ndarray) -> "Canvas":
        rgb = np.empty((height, width, 3), np.float32)
        rgb[:] = background
        return cls(rgb, np.full((height, width), np.inf, np.float32), np.zeros((height, width), np.int32))

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[1], self.rgb.shape[0]

    # -- helpers ------------------------------------------------------------
    def _box(self, x0: float, y0: float, x1: float, y1: float):
        w, h = self.size
        ix0, iy0 = max(0, int(math.floor(x0))), max(0, int(math.floor(y0)))
        ix1, iy1 = min(w, int(math.ceil(x1)) + 1), min(h, int(math.ceil(y1)) + 1)
        if ix0 >= ix1 or iy0 >= iy1:
            return None
        ys, xs = np.mgrid[iy0:iy1, ix0:ix1]
        # Pixel centres.
        return (iy0, iy1, ix0, ix1), xs.astype(np.float32) + 0.5, ys.astype(np.float32) + 0.5

    def _commit(self, box, depth: np.ndarray, normals_fn, colour: np.ndarray, pid: int,
                shader: Shader | None) -> None:
        iy0, iy1, ix0, ix1 = box
        zb = self.z[iy0:iy1, ix0:ix1]
        win = depth < zb
        if not win.any():
            return
        n = normals_fn(win)
        cols = (shader or lambert)(n, colour)
        zb[win] = depth[win]
        self.rgb[iy0:iy1, ix0:ix1][win] = cols
        self.ids[iy0:iy1, ix0:ix1][win] = pid

    # -- primitives ----------------------------------------------------------
    def spheres(self, centres: np.ndarray, radii: np.ndarray, colour, pid: int,
                shader: Shader | None = None) -> None:
        """Union of spheres (a swept, possibly tapered capsule when they lie along a segment).

        Args:
            centres: (K, 3) screen coordinates (px).
            radii: (K,) radii in px.
        """
        centres = np.asarray(centres, np.float32).reshape(-1, 3)
        radii = np.asarray(radii, np.float32).reshape(-1)
        box = self._box((centres[:, 0] - radii).min(), (centres[:, 1] - radii).min(),
                        (centres[:, 0] + radii).max(), (centres[:, 1] + radii).max())
        if box is None:
            return
        box, xs, ys = box
        dx = xs[None] - centres[:, 0, None, None]
        dy = ys[None] - centres[:, 1, None, None]
        q = radii[:, None, None] ** 2 - dx * dx - dy * dy
        hit = q > 0
        sq = np.sqrt(np.where(hit, q, 0.0))
        dep = np.where(hit, centres[:, 2, None, None] - sq, np.inf)
        k = np.argmin(dep, axis=0)
        depth = np.take_along_axis(dep, k[None], 0)[0]

        def normals(win):
            iy, ix = np.nonzero(win)
            kk = k[iy, ix]
            r = radii[kk]
            return np.stack([dx[kk, iy, ix] / r, dy[kk, iy, ix] / r, -sq[kk, iy, ix] / r], axis=1)

        self._commit(box, depth, normals, np.asarray(colour, np.float32), pid, shader)

    def capsule(self, a: np.ndarray, b: np.ndarray, ra: float, rb: float, colour, pid: int,
                shader: Shader | None = None) -> None:
        """Tapered capsule ("round cone") from a (radius ra) to b (radius rb), screen px.

        Closed-form ray / round-cone intersection (after Inigo Quilez) for rays along +Z.
        """
        a = np.asarray(a, np.float64)
        b = np.asarray(b, np.float64)
        if abs(ra - rb) >= np.linalg.norm(b - a) - 1e-6:  # one sphere swallows the other
            big = (a, ra) if ra >= rb else (b, rb)
            self.spheres(big[0][None], np.array([big[1]]), colour, pid, shader)
            return
        rmax = max(ra, rb)
        box = self._box(min(a[0], b[0]) - rmax, min(a[1], b[1]) - rmax,
                        max(a[0], b[0]) + rmax, max(a[1], b[1]) + rmax)
        if box is None:
            return
        box, xs, ys = box
        ba = b - a
        oax, oay, oaz = xs - a[0], ys - a[1], -a[2]      # ro - pa with ro = (x, y, 0)
        obx, oby, obz = xs - b[0], ys - b[1], -b[2]
        rr = ra - rb
        m0 = float(ba @ ba)
        m1 = ba[0] * oax + ba[1] * oay + ba[2] * oaz
        m2 = float(ba[2])                                # rd = (0, 0, 1)
        m3 = oaz                                         # scalar
        m5 = oax * oax + oay * oay + oaz * oaz
        m6 = obz
        m7 = obx * obx + oby * oby + obz * obz
        d2 = m0 - rr * rr
        k2 = d2 - m2 * m2
        k1 = d2 * m3 - m1 * m2 + m2 * rr * ra
        k0 = d2 * m5 - m1 * m1 + m1 * rr * ra * 2.0 - m0 * ra * ra
        h = k1 * k1 - k0 * k2
        depth = np.full(xs.shape, np.inf)
        kind = np.zeros(xs.shape, np.int8)               # 1 body, 2 cap a, 3 cap b
        ok = h >= 0.0
        if abs(k2) > 1e-9:
            t = (-np.sqrt(np.where(ok, h, 0.0)) - k1) / k2
            y = m1 - ra * rr + t * m2
            body = ok & (y > 0.0) & (y < d2)
            depth[body] = t[body]
            kind[body] = 1
        # Caps (spheres at both ends) where the body was not hit.
        h1 = m3 * m3 - m5 + ra * ra
        h2 = m6 * m6 - m7 + rb * rb
        rest = kind == 0
        c1 = rest & (h1 > 0.0)
        t1 = np.where(c1, -m3 - np.sqrt(np.where(c1, h1, 0.0)), np.inf)
        c2 = rest & (h2 > 0.0)
        t2 = np.where(c2, -m6 - np.sqrt(np.where(c2, h2, 0.0)), np.inf)
        use1 = c1 & (t1 <= t2)
        use2 = c2 & ~use1
        depth[use1] = t1[use1]
        kind[use1] = 2
        depth[use2] = t2[use2]
        kind[use2] = 3
        depth32 = depth.astype(np.float32)

        def normals(win):
            iy, ix = np.nonzero(win)
            zz = depth[iy, ix]
            pa = np.stack([oax[iy, ix], oay[iy, ix], oaz + zz], 1)   # hit point - a
            pb = np.stack([obx[iy, ix], oby[iy, ix], obz + zz], 1)   # hit point - b
            kk = kind[iy, ix]
            n = np.empty_like(pa)
            yb = pa @ ba - ra * rr
            nb = d2 * pa - ba[None, :] * yb[:, None]
            n[:] = nb
            n[kk == 2] = pa[kk == 2]
            n[kk == 3] = pb[kk == 3]
            return n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)

        self._commit(box, depth32, normals, np.asarray(colour, np.float32), pid, shader)

    def capsule_chain(self, a: np.ndarray, b: np.ndarray, ra: float, rb: float, colour, pid: int,
                      shader: Shader | None = None) -> None:
        """Reference implementation of :meth:`capsule` as a union of spheres (tests compare the two)."""
        a = np.asarray(a, np.float32)
        b = np.asarray(b, np.float32)
        length = float(np.linalg.norm(b - a))
        step = max(0.3, 0.2 * min(ra, rb))
        k = max(2, int(math.ceil(length / step)) + 1)
        s = np.linspace(0.0, 1.0, k, dtype=np.float32)
        self.spheres(a[None] + s[:, None] * (b - a)[None], ra + s * (rb - ra), colour, pid, shader)

    def ellipsoid(self, centre: np.ndarray, axes: np.ndarray, colour, pid: int,
                  shader: Shader | None = None) -> None:
        """Ellipsoid with centre (3,) and semi-axis vectors as the columns of axes (3, 3), px."""
        c = np.asarray(centre, np.float64)
        m = np.asarray(axes, np.float64)
        ext = np.sqrt((m ** 2).sum(axis=1))  # bounding half-extent per screen axis
        box = self._box(c[0] - ext[0], c[1] - ext[1], c[0] + ext[0], c[1] + ext[1])
        if box is None:
            return
        box, xs, ys = box
        minv = np.linalg.inv(m)
        mz = minv[:, 2]
        dx = xs - c[0]
        dy = ys - c[1]
        # q(t) = minv @ (dx, dy, t - cz) = q0 + t * mz, with q0 at t = 0.
        q0 = (minv[:, 0, None, None] * dx[None] + minv[:, 1, None, None] * dy[None]
              - minv[:, 2, None, None] * c[2])
        a = float(mz @ mz)
        bb = np.tensordot(mz, q0, axes=(0, 0))
        cc = (q0 * q0).sum(axis=0) - 1.0
        disc = bb * bb - a * cc
        hit = disc > 0
        t = np.where(hit, (-bb - np.sqrt(np.where(hit, disc, 0.0))) / a, np.inf)
        depth = t.astype(np.float32)

        def normals(win):
            tt = t[win]
            q = q0[:, win] + mz[:, None] * tt[None]
            n = (minv.T @ q).T
            return n / np.linalg.norm(n, axis=1, keepdims=True)

        self._commit(box, depth, normals, np.asarray(colour, np.float32), pid, shader)

    def box(self, centre: np.ndarray, axes: np.ndarray, colour, pid: int,
            shader: Shader | None = None) -> None:
        """Oriented box: centre (3,) and half-edge vectors as the columns of axes (3, 3), px."""
        c = np.asarray(centre, np.float64)
        m = np.asarray(axes, np.float64)
        ext = np.abs(m).sum(axis=1)
        box = self._box(c[0] - ext[0], c[1] - ext[1], c[0] + ext[0], c[1] + ext[1])
        if box is None:
            return
        box, xs, ys = box
        minv = np.linalg.inv(m)  # maps screen offsets to the unit cube [-1, 1]^3
        o = (minv[:, 0, None, None] * (xs - c[0])[None] + minv[:, 1, None, None] * (ys - c[1])[None]
             - minv[:, 2, None, None] * c[2])
        d = minv[:, 2].copy()
        d[np.abs(d) < 1e-12] = 1e-12
        t1 = (-1.0 - o) / d[:, None, None]
        t2 = (1.0 - o) / d[:, None, None]
        tmin = np.minimum(t1, t2)
        tmax = np.maximum(t1, t2)
        tnear = tmin.max(axis=0)
        tfar = tmax.min(axis=0)
        axis = tmin.argmax(axis=0)
        hit = tnear <= tfar
        depth = np.where(hit, tnear, np.inf).astype(np.float32)

        def normals(win):
            ax = axis[win]
            sign = -np.sign(d[ax])
            nl = np.zeros((len(ax), 3))
            nl[np.arange(len(ax)), ax] = sign
            n = nl @ minv  # normals transform with the inverse transpose
            return n / np.linalg.norm(n, axis=1, keepdims=True)

        self._commit(box, depth, normals, np.asarray(colour, np.float32), pid, shader)

    # -- post ---------------------------------------------------------------
    def outline(self, strength: float = 0.45, depth_step_px: float = 6.0) -> None:
        """Darken pixels on silhouettes and on depth steps between different primitives."""
        fg = np.nonzero(self.ids.any(axis=1))[0]
        fx = np.nonzero(self.ids.any(axis=0))[0]
        if not len(fg):
            return
        h, w = self.ids.shape
        y0, y1 = max(0, fg[0] - 1), min(h, fg[-1] + 2)
        x0, x1 = max(0, fx[0] - 1), min(w, fx[-1] + 2)
        ids, z = self.ids[y0:y1, x0:x1], self.z[y0:y1, x0:x1]
        edge = np.zeros(ids.shape, bool)
        zf = np.where(np.isfinite(z), z, 1e9)
        for sl_a, sl_b in (((slice(None), slice(1, None)), (slice(None), slice(None, -1))),
                           ((slice(1, None), slice(None)), (slice(None, -1), slice(None)))):
            diff = (ids[sl_a] != ids[sl_b]) & (np.abs(zf[sl_a] - zf[sl_b]) > depth_step_px)
            # Mark the nearer pixel of the pair, so the outline belongs to the front object.
            nearer_a = zf[sl_a] < zf[sl_b]
            edge[sl_a] |= diff & nearer_a
            edge[sl_b] |= diff & ~nearer_a
        self.rgb[y0:y1, x0:x1][edge] *= (1.0 - strength)

    def to_uint8(self) -> np.ndarray:
        """(H, W, 3) uint8 RGB (rounded, saturated)."""
        import cv2

        return cv2.convertScaleAbs(self.rgb, alpha=255.0)
