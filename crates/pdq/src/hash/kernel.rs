//! The floating-point core of PDQ, operation for operation as Meta's reference C++ does it.
//!
//! Every step is `f32` where the reference is `float` and `f64` where it is `double`, with the same
//! order of additions: Rust never fuses a multiply-add or reorders a sum on its own, so the results
//! are the reference's bit for bit. Change nothing here without running the vector tests.

use super::dct_table::DCT_BITS;
use crate::Hash256;

/// Side under which an image is not hashed (all-zero hash, quality 0).
pub(super) const MIN_HASHABLE_DIM: usize = 5;

/// The reference keeps its luma coefficients as `float` constants initialised from `double` literals.
const LUMA_R: f32 = 0.299_f64 as f32;
const LUMA_G: f32 = 0.587_f64 as f32;
const LUMA_B: f32 = 0.114_f64 as f32;

/// Two X,Y passes of 1-D box filters make the tent filter of the reference (Jarosz 2001).
#[cfg(test)]
const JAROSZ_PASSES: usize = 2;

/// The reference's 16x64 DCT matrix (rows 1..=16 of the 64-point DCT-II, scaled).
static DCT: [[f32; 64]; 16] = {
    let mut m = [[0.0f32; 64]; 16];
    let mut i = 0;
    while i < 16 {
        let mut j = 0;
        while j < 64 {
            m[i][j] = f32::from_bits(DCT_BITS[i][j]);
            j += 1;
        }
        i += 1;
    }
    m
};

/// The 16x16 low-frequency DCT block of an image and the image-domain quality.
#[derive(Clone, Copy)]
pub(super) struct Dct16 {
    pub(super) coef: [[f32; 16]; 16],
    pub(super) quality: u8,
}

/// The products `LUMA_X * v` for every byte v, per channel: a lookup gives exactly the `f32`
/// product the reference computes (and is cheaper than converting and multiplying).
static LUMA_PRODUCTS: [[f32; 256]; 3] = {
    let mut t = [[0.0f32; 256]; 3];
    let mut v = 0;
    while v < 256 {
        t[0][v] = LUMA_R * v as f32;
        t[1][v] = LUMA_G * v as f32;
        t[2][v] = LUMA_B * v as f32;
        v += 1;
    }
    t
};

/// Luma of one RGB pixel: `0.299 R + 0.587 G + 0.114 B`, left to right in `f32`.
#[inline]
pub(super) fn luma_rgb(r: u8, g: u8, b: u8) -> f32 {
    let [tr, tg, tb] = &LUMA_PRODUCTS;
    tr[usize::from(r)] + tg[usize::from(g)] + tb[usize::from(b)]
}

/// The Jarosz window for one axis: `ceil(n / 128)` (the reference's
/// `(old + 2*new - 1) / (2*new)` with new = 64).
fn window_size(n: usize) -> usize {
    n.div_ceil(128)
}

/// Blur, decimate, measure quality and transform a luma image of at least 5x5 held in memory.
///
/// `skip_64` reproduces the plain (non-dihedral) reference entry point, which uses a 64x64 input
/// as is; the dihedral entry point always blurs, and at 64x64 its window-1 box filter is not
/// exactly the identity in `f32`.
#[cfg(test)]
pub(super) fn dct16_from_luma(luma: &[f32], rows: usize, cols: usize, skip_64: bool) -> Dct16 {
    debug_assert_eq!(luma.len(), rows * cols);
    let mut blur = Blur::new(rows, cols, skip_64);
    for row in luma.chunks_exact(cols) {
        blur.push_luma_row(row);
    }
    blur.finish()
}

/// The reference's blur, decimation, quality and DCT, fed one row of pixels at a time.
///
/// The reference blurs the whole image twice (rows, columns, rows, columns), each pass into a
/// full-size buffer, then keeps 64x64 samples. Here every kept sample is computed by exactly the
/// reference's sequence of `f32` operations, but rows stream through the passes in bands of
/// [`LANES`] rows, so that nothing image-sized is ever allocated and the working set stays in
/// cache:
///
/// 1. luma arrives into a band tile, one row per vector lane; the pass along rows runs on the
///    band's lanes at once;
/// 2. its rows go into a ring of `window + 1` rows for the pass along columns (running sums per
///    column, the oldest row subtracted as the reference does);
/// 3. each row that pass emits goes into a second band tile for the second pass along rows, which
///    still sums every sample but divides only at the 64 sampled columns (rows x 64 kept);
/// 4. the last pass along columns runs over those 64 columns only and divides only at the 64
///    sampled rows.
pub(super) struct Blur {
    rows: usize,
    cols: usize,
    /// The plain entry point's 64x64 shortcut: rows are the samples themselves.
    identity: bool,
    win_rows: usize,
    win_cols: usize,
    sample_rows: [usize; 64],
    sample_cols: [usize; 64],
    /// Rows pushed so far.
    pushed: usize,
    /// One row of luma, for layouts converted a whole row at once.
    luma_row: Vec<f32>,
    /// Pass 1 along rows: the band being filled and its output.
    band: Vec<Lanes>,
    band_out: Vec<Lanes>,
    /// Pass 1 along columns: ring of input rows, running sums, count, rows in, rows out.
    ring: Vec<f32>,
    col_sums: Vec<f32>,
    /// One row of pass 1's column output.
    row: Vec<f32>,
    col_count: usize,
    col_in: usize,
    col_out: usize,
    /// Pass 2 along rows: the band being filled (from pass 1's column output).
    band2: Vec<Lanes>,
    band2_rows: usize,
    /// Pass 2 along rows kept at the sampled columns: rows x 64.
    narrow: Vec<f32>,
    small: Box<[[f32; 64]; 64]>,
}

impl Blur {
    pub(super) fn new(rows: usize, cols: usize, skip_64: bool) -> Self {
        debug_assert!(rows >= MIN_HASHABLE_DIM && cols >= MIN_HASHABLE_DIM);
        let identity = skip_64 && rows == 64 && cols == 64;
        let (win_rows, win_cols) = (window_size(cols), window_size(rows));
        let blur = !identity;
        Blur {
            rows,
            cols,
            identity,
            win_rows,
            win_cols,
            sample_rows: sample_indices(rows),
            sample_cols: sample_indices(cols),
            pushed: 0,
            luma_row: vec![0.0; cols],
            band: vec![[0.0; LANES]; cols],
            band_out: if blur { vec![[0.0; LANES]; cols] } else { Vec::new() },
            ring: if blur { vec![0.0; (win_cols + 1) * cols] } else { Vec::new() },
            col_sums: if blur { vec![0.0; cols] } else { Vec::new() },
            row: if blur { vec![0.0; cols] } else { Vec::new() },
            col_count: 0,
            col_in: 0,
            col_out: 0,
            band2: if blur { vec![[0.0; LANES]; cols] } else { Vec::new() },
            band2_rows: 0,
            narrow: if blur { vec![0.0; rows * 64] } else { Vec::new() },
            small: Box::new([[0.0; 64]; 64]),
        }
    }

    /// The next row as RGB bytes.
    pub(super) fn push_rgb_row(&mut self, rgb: &[u8]) {
        let l = self.pushed % LANES;
        for (t, p) in self.band.iter_mut().zip(rgb.chunks_exact(3)) {
            t[l] = luma_rgb(p[0], p[1], p[2]);
        }
        self.row_pushed();
    }

    /// The next row as RGBA or RGBX bytes (the fourth ignored).
    pub(super) fn push_rgbx_row(&mut self, rgbx: &[u8]) {
        // Whole pixels as words (the conversions and products vectorise), then into the lane.
        let (pixels, _) = rgbx.as_chunks::<4>();
        for (o, p) in self.luma_row.iter_mut().zip(pixels) {
            let v = u32::from_le_bytes(*p);
            let (r, g, b) = (v & 0xFF, v >> 8 & 0xFF, v >> 16 & 0xFF);
            *o = LUMA_R * r as f32 + LUMA_G * g as f32 + LUMA_B * b as f32;
        }
        let l = self.pushed % LANES;
        for (t, v) in self.band.iter_mut().zip(&self.luma_row) {
            t[l] = *v;
        }
        self.row_pushed();
    }

    /// The next row as grey bytes (the luma itself).
    pub(super) fn push_grey_row(&mut self, grey: &[u8]) {
        let l = self.pushed % LANES;
        for (t, v) in self.band.iter_mut().zip(grey) {
            t[l] = f32::from(*v);
        }
        self.row_pushed();
    }

    /// The next row as luma.
    pub(super) fn push_luma_row(&mut self, luma: &[f32]) {
        let l = self.pushed % LANES;
        for (t, v) in self.band.iter_mut().zip(luma) {
            t[l] = *v;
        }
        self.row_pushed();
    }

    fn row_pushed(&mut self) {
        debug_assert!(self.pushed < self.rows);
        self.pushed += 1;
        let filled = (self.pushed - 1) % LANES + 1;
        if filled == LANES || self.pushed == self.rows {
            self.band_done(filled);
        }
    }

    /// Pass 1 along rows over the band's `filled` rows, which then go on down the columns.
    fn band_done(&mut self, filled: usize) {
        let r0 = self.pushed - filled;
        if self.identity {
            for l in 0..filled {
                for (o, t) in self.small[r0 + l].iter_mut().zip(&self.band) {
                    *o = t[l];
                }
            }
            return;
        }
        let out = &mut self.band_out;
        box_lanes(&self.band, self.win_rows, |oi, sums, c| out[oi] = div_lanes(*sums, c));
        for l in 0..filled {
            self.column_push(l);
        }
    }

    /// Pass 1 along columns: takes lane `l` of the band's output as its next input row.
    fn column_push(&mut self, l: usize) {
        let (cols, window) = (self.cols, self.win_cols);
        let ri = self.col_in;
        let slot = ri % (window + 1);
        for (o, t) in self.ring[slot * cols..(slot + 1) * cols].iter_mut().zip(&self.band_out) {
            *o = t[l];
        }
        add_row(&mut self.col_sums, &self.ring[slot * cols..(slot + 1) * cols]);
        if ri < window {
            self.col_count += 1;
        } else {
            let old = (ri - window) % (window + 1);
            sub_row(&mut self.col_sums, &self.ring[old * cols..(old + 1) * cols]);
        }
        self.col_in += 1;
        let half = (window + 2) / 2;
        if ri + 1 >= half {
            self.column_emit();
        }
        if self.col_in == self.rows {
            // Phase 4: the last rows leave the window one by one.
            for t in 0..half - 1 {
                let li = self.rows - window + t;
                let old = li % (window + 1);
                sub_row(&mut self.col_sums, &self.ring[old * cols..(old + 1) * cols]);
                self.col_count -= 1;
                self.column_emit();
            }
        }
    }

    /// Pass 1's column output row `col_out` (sums / count) into the second band.
    fn column_emit(&mut self) {
        let c = self.col_count as f32;
        let l = self.band2_rows;
        // Divide a whole row at once (vectorised), then scatter it into its lane.
        for (o, s) in self.row.iter_mut().zip(&self.col_sums) {
            *o = *s / c;
        }
        for (t, v) in self.band2.iter_mut().zip(&self.row) {
            t[l] = *v;
        }
        self.col_out += 1;
        self.band2_rows += 1;
        if self.band2_rows == LANES || self.col_out == self.rows {
            self.band2_done();
        }
    }

    /// Pass 2 along rows over the second band, kept at the sampled columns.
    fn band2_done(&mut self) {
        let filled = self.band2_rows;
        let r0 = self.col_out - filled;
        let sample_cols = &self.sample_cols;
        let mut out = [[0.0f32; LANES]; 64];
        let mut next = 0;
        box_lanes(&self.band2, self.win_rows, |oi, sums, c| {
            while next < 64 && sample_cols[next] == oi {
                out[next] = div_lanes(*sums, c);
                next += 1;
            }
        });
        for l in 0..filled {
            let r = r0 + l;
            for (o, t) in self.narrow[r * 64..(r + 1) * 64].iter_mut().zip(&out) {
                *o = t[l];
            }
        }
        self.band2_rows = 0;
    }

    /// After the last row: pass 2 along columns at the sampled rows, then quality and DCT.
    pub(super) fn finish(mut self) -> Dct16 {
        debug_assert_eq!(self.pushed, self.rows, "every row pushed");
        if !self.identity {
            let (sample_rows, small) = (&self.sample_rows, &mut self.small);
            let mut next = 0;
            box_along_cols(&self.narrow, 64, self.win_cols, |oi, sums, c| {
                while next < 64 && sample_rows[next] == oi {
                    for (o, s) in small[next].iter_mut().zip(sums) {
                        *o = *s / c;
                    }
                    next += 1;
                }
            });
        }
        Dct16 { coef: dct64_to_16(&self.small), quality: quality(&self.small) }
    }
}

/// The decimation's sample positions: output i takes input `floor((i + 0.5) * n / 64)`, in `f64`.
fn sample_indices(n: usize) -> [usize; 64] {
    let mut out = [0usize; 64];
    for (i, o) in out.iter_mut().enumerate() {
        *o = ((i as f64 + 0.5) * n as f64 / 64.0) as usize;
    }
    out
}

/// Rows filtered at once along rows, one per lane.
const LANES: usize = 8;
type Lanes = [f32; LANES];

/// The reference's running-sum 1-D box filter over [`LANES`] sequences at once: `tile[k]` holds
/// sample k of each. `emit(oi, sums, count)` receives the running sums for output `oi`; output
/// `oi` is `sums / count`. The sums are never reset, so rounding accumulates exactly as in the
/// reference, lane by lane.
#[inline(always)]
fn box_lanes(tile: &[Lanes], window: usize, mut emit: impl FnMut(usize, &Lanes, f32)) {
    let half = (window + 2) / 2;
    let (phase1, phase2, phase3, phase4) = (half - 1, window - half + 1, tile.len() - window, half - 1);
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    // Kept by value (in registers), each lane exactly `sum += in[ri]; sum -= in[li]`.
    let mut sums: Lanes = [0.0; LANES];
    let mut count = 0usize;
    for _ in 0..phase1 {
        sums = add_lanes(sums, &tile[ri]);
        count += 1;
        ri += 1;
    }
    for _ in 0..phase2 {
        sums = add_lanes(sums, &tile[ri]);
        count += 1;
        emit(oi, &sums, count as f32);
        ri += 1;
        oi += 1;
    }
    for (new, old) in tile[window..].iter().zip(&tile[..phase3]) {
        sums = sub_lanes(add_lanes(sums, new), old);
        emit(oi, &sums, count as f32);
        oi += 1;
    }
    li += phase3;
    for _ in 0..phase4 {
        sums = sub_lanes(sums, &tile[li]);
        count -= 1;
        emit(oi, &sums, count as f32);
        li += 1;
        oi += 1;
    }
}

#[inline(always)]
fn add_lanes(mut a: Lanes, b: &Lanes) -> Lanes {
    for l in 0..LANES {
        a[l] += b[l];
    }
    a
}

#[inline(always)]
fn sub_lanes(mut a: Lanes, b: &Lanes) -> Lanes {
    for l in 0..LANES {
        a[l] -= b[l];
    }
    a
}

#[inline(always)]
fn div_lanes(mut a: Lanes, c: f32) -> Lanes {
    for v in a.iter_mut() {
        *v /= c;
    }
    a
}

/// [`box_1d`] down every column at once: one running sum per column, whole rows at a time
/// (cache-friendly), each column seeing exactly the reference's sequence of adds and subtracts.
/// `emit(oi, sums, count)` receives the sums of output row `oi`, which is `sums / count`.
fn box_along_cols(input: &[f32], cols: usize, window: usize, mut emit: impl FnMut(usize, &[f32], f32)) {
    let rows = input.len() / cols;
    let row = |r: usize| &input[r * cols..(r + 1) * cols];
    let half = (window + 2) / 2;
    let (phase1, phase2, phase3, phase4) = (half - 1, window - half + 1, rows - window, half - 1);
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    let mut sums = vec![0.0f32; cols];
    let mut count = 0usize;
    for _ in 0..phase1 {
        add_row(&mut sums, row(ri));
        count += 1;
        ri += 1;
    }
    for _ in 0..phase2 {
        add_row(&mut sums, row(ri));
        count += 1;
        emit(oi, &sums, count as f32);
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase3 {
        add_row(&mut sums, row(ri));
        sub_row(&mut sums, row(li));
        emit(oi, &sums, count as f32);
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase4 {
        sub_row(&mut sums, row(li));
        count -= 1;
        emit(oi, &sums, count as f32);
        li += 1;
        oi += 1;
    }
}

fn add_row(sums: &mut [f32], row: &[f32]) {
    for (s, v) in sums.iter_mut().zip(row) {
        *s += *v;
    }
}

fn sub_row(sums: &mut [f32], row: &[f32]) {
    for (s, v) in sums.iter_mut().zip(row) {
        *s -= *v;
    }
}

/// The reference's gradient-sum heuristic, 0..=100.
fn quality(a: &[[f32; 64]; 64]) -> u8 {
    let step = |u: f32, v: f32| -> i32 { (((u - v) * 100.0) / 255.0) as i32 };
    let mut sum: i32 = 0;
    for (upper, lower) in a.iter().zip(&a[1..]) {
        for (u, v) in upper.iter().zip(lower) {
            sum += step(*u, *v).abs();
        }
    }
    for row in a {
        for (u, v) in row.iter().zip(&row[1..]) {
            sum += step(*u, *v).abs();
        }
    }
    (sum / 90).min(100) as u8
}

/// `B = D A Dᵀ` with the intermediate `T = D A`, each sum from 0 in increasing k.
fn dct64_to_16(a: &[[f32; 64]; 64]) -> [[f32; 16]; 16] {
    let mut t = [[0.0f32; 64]; 16];
    for (d_row, t_row) in DCT.iter().zip(t.iter_mut()) {
        for (j, t_ij) in t_row.iter_mut().enumerate() {
            let mut sum = 0.0f32;
            for (d, a_row) in d_row.iter().zip(a) {
                sum += *d * a_row[j];
            }
            *t_ij = sum;
        }
    }
    let mut b = [[0.0f32; 16]; 16];
    for (t_row, b_row) in t.iter().zip(b.iter_mut()) {
        for (d_row, b_ij) in DCT.iter().zip(b_row.iter_mut()) {
            let mut sum = 0.0f32;
            for (tv, d) in t_row.iter().zip(d_row) {
                sum += *tv * *d;
            }
            *b_ij = sum;
        }
    }
    b
}

/// Bit `i*16 + j` (word i, bit j) is set iff `B[i][j]` is above the lower median of the 256.
pub(super) fn to_hash(b: &[[f32; 16]; 16]) -> Hash256 {
    let mut flat = [0.0f32; 256];
    for (i, row) in b.iter().enumerate() {
        flat[i * 16..(i + 1) * 16].copy_from_slice(row);
    }
    // The 128th smallest: what the reference's Torben median returns for 256 values.
    let (_, median, _) = flat.select_nth_unstable_by(127, f32::total_cmp);
    let median = *median;
    let mut words = [0u16; 16];
    for (word, row) in words.iter_mut().zip(b) {
        for (j, v) in row.iter().enumerate() {
            if *v > median {
                *word |= 1 << j;
            }
        }
    }
    Hash256 { words }
}

/// The eight dihedral DCT blocks, derived from the original's coefficients as the reference does
/// (a transpose for the diagonal transforms, sign flips on odd frequencies), in the reference order:
/// original, rot90, rot180, rot270, flipX, flipY, flipPlus1, flipMinus1.
pub(super) fn dihedral_blocks(a: &[[f32; 16]; 16]) -> [[[f32; 16]; 16]; 8] {
    let mut out = [[[0.0f32; 16]; 16]; 8];
    for i in 0..16 {
        for j in 0..16 {
            let v = a[i][j];
            let (i_odd, j_odd, sum_odd) = (i & 1 == 1, j & 1 == 1, (i + j) & 1 == 1);
            let signed = |keep: bool| if keep { v } else { -v };
            out[0][i][j] = v;
            out[1][j][i] = signed(j_odd);
            out[2][i][j] = signed(!sum_odd);
            out[3][j][i] = signed(i_odd);
            out[4][i][j] = signed(i_odd);
            out[5][i][j] = signed(j_odd);
            out[6][j][i] = v;
            out[7][j][i] = signed(!sum_odd);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The running-sum 1-D box filter of the reference, one sequence, as the reference writes it.
    fn box_1d(input: &[f32], output: &mut [f32], window: usize) {
        let half = (window + 2) / 2;
        let (phase1, phase2, phase3, phase4) = (half - 1, window - half + 1, input.len() - window, half - 1);
        let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
        let mut sum = 0.0f32;
        let mut count = 0usize;
        for _ in 0..phase1 {
            sum += input[ri];
            count += 1;
            ri += 1;
        }
        for _ in 0..phase2 {
            sum += input[ri];
            count += 1;
            output[oi] = sum / count as f32;
            ri += 1;
            oi += 1;
        }
        for _ in 0..phase3 {
            sum += input[ri];
            sum -= input[li];
            output[oi] = sum / count as f32;
            li += 1;
            ri += 1;
            oi += 1;
        }
        for _ in 0..phase4 {
            sum -= input[li];
            count -= 1;
            output[oi] = sum / count as f32;
            li += 1;
            oi += 1;
        }
    }

    /// The reference's blur and decimation done the plain way: two full passes of [`box_1d`]
    /// along every row and every column, then 64x64 samples.
    fn plain_blur_decimate(luma: &[f32], rows: usize, cols: usize) -> [[f32; 64]; 64] {
        let mut a = luma.to_vec();
        let mut b = vec![0.0f32; rows * cols];
        let (wr, wc) = (window_size(cols), window_size(rows));
        for _ in 0..JAROSZ_PASSES {
            for r in 0..rows {
                box_1d(&a[r * cols..(r + 1) * cols], &mut b[r * cols..(r + 1) * cols], wr);
            }
            for c in 0..cols {
                let column: Vec<f32> = (0..rows).map(|r| b[r * cols + c]).collect();
                let mut out = vec![0.0f32; rows];
                box_1d(&column, &mut out, wc);
                for r in 0..rows {
                    a[r * cols + c] = out[r];
                }
            }
        }
        let mut small = [[0.0f32; 64]; 64];
        for (i, out_row) in small.iter_mut().enumerate() {
            let ini = ((i as f64 + 0.5) * rows as f64 / 64.0) as usize;
            for (j, o) in out_row.iter_mut().enumerate() {
                let inj = ((j as f64 + 0.5) * cols as f64 / 64.0) as usize;
                *o = a[ini * cols + inj];
            }
        }
        small
    }

    /// The shortcut pipeline keeps exactly the samples of the plain one, bit for bit, whatever the
    /// shape (rows not a multiple of the lane count, fewer than 64 rows or columns, windows > 1).
    #[test]
    fn sampled_blur_equals_the_plain_blur() {
        for (rows, cols) in [
            (5, 5),
            (7, 300),
            (64, 64),
            (129, 65),
            (300, 7),
            (517, 263),
            (1000, 131),
            (1100, 9),
            (2100, 7),
            (9, 2100),
            (3001, 13),
            (4097, 5),
            (1025, 20),
            (6000, 6),
            (16, 16),
            (8, 9),
        ] {
            let luma: Vec<f32> =
                (0..rows * cols).map(|k| ((k * 7919 + k / 13) % 256) as f32 * 0.587 + 0.299).collect();
            let want = plain_blur_decimate(&luma, rows, cols);
            let got = dct16_from_luma(&luma, rows, cols, false);
            let plain = Dct16 { coef: dct64_to_16(&want), quality: quality(&want) };
            for i in 0..16 {
                for j in 0..16 {
                    assert_eq!(
                        got.coef[i][j].to_bits(),
                        plain.coef[i][j].to_bits(),
                        "{rows}x{cols} [{i}][{j}]"
                    );
                }
            }
            assert_eq!(got.quality, plain.quality, "{rows}x{cols}");
        }
    }

    /// The hard-coded matrix is the reference formula evaluated with this platform's `cos`.
    #[test]
    fn dct_table_matches_the_formula() {
        let scale = (2.0f64 / 64.0).sqrt() as f32;
        for (i, row) in DCT.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                let x = std::f64::consts::PI / 2.0 / 64.0 * (i + 1) as f64 * (2 * j + 1) as f64;
                let want = (f64::from(scale) * x.cos()) as f32;
                assert_eq!(v.to_bits(), want.to_bits(), "D[{i}][{j}]");
            }
        }
    }

    #[test]
    fn luma_tables_are_the_products() {
        for v in 0..=255u8 {
            let f = f32::from(v);
            let [tr, tg, tb] = &LUMA_PRODUCTS;
            let i = usize::from(v);
            assert_eq!(
                (tr[i].to_bits(), tg[i].to_bits(), tb[i].to_bits()),
                ((LUMA_R * f).to_bits(), (LUMA_G * f).to_bits(), (LUMA_B * f).to_bits())
            );
        }
        for (r, g, b) in [(1u8, 2u8, 3u8), (255, 0, 17), (200, 201, 202)] {
            let want = LUMA_R * f32::from(r) + LUMA_G * f32::from(g) + LUMA_B * f32::from(b);
            assert_eq!(luma_rgb(r, g, b).to_bits(), want.to_bits());
        }
    }

    #[test]
    fn box_filter_follows_the_reference_example() {
        // The reference's comment block: window 7 over 0..16 gives these sums.
        let input: Vec<f32> = (0..16).map(|v| v as f32).collect();
        let mut out = vec![0.0f32; 16];
        box_1d(&input, &mut out, 7);
        let sums = [6, 10, 15, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84, 75, 65, 54];
        let counts = [4, 5, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 5, 4];
        for k in 0..16 {
            assert_eq!(out[k], sums[k] as f32 / counts[k] as f32, "out[{k}]");
        }
        // Window 8: first output already holds 5 samples.
        box_1d(&input, &mut out, 8);
        assert_eq!(out[0], 10.0 / 5.0);
        assert_eq!(out[15], 54.0 / 4.0);
    }

    #[test]
    fn columns_at_once_equal_one_column_at_a_time() {
        let (rows, cols) = (37, 5);
        let input: Vec<f32> = (0..rows * cols).map(|k| ((k * 7919) % 255) as f32 * 0.299).collect();
        let mut fast = vec![0.0f32; rows * cols];
        box_along_cols(&input, cols, 3, |oi, sums, c| {
            for (o, s) in fast[oi * cols..(oi + 1) * cols].iter_mut().zip(sums) {
                *o = *s / c;
            }
        });
        for c in 0..cols {
            let column: Vec<f32> = (0..rows).map(|r| input[r * cols + c]).collect();
            let mut out = vec![0.0f32; rows];
            box_1d(&column, &mut out, 3);
            for r in 0..rows {
                assert_eq!(fast[r * cols + c].to_bits(), out[r].to_bits());
            }
        }
    }

    #[test]
    fn median_threshold_sets_half_the_bits() {
        let mut b = [[0.0f32; 16]; 16];
        for (k, v) in b.iter_mut().flatten().enumerate() {
            *v = ((k * 37) % 256) as f32 - 100.0;
        }
        assert_eq!(to_hash(&b).popcount(), 128);
    }
}
