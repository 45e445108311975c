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

/// Luma of one RGB pixel: `0.299 R + 0.587 G + 0.114 B`, left to right in `f32`.
#[inline]
pub(super) fn luma_rgb(r: u8, g: u8, b: u8) -> f32 {
    LUMA_R * f32::from(r) + LUMA_G * f32::from(g) + LUMA_B * f32::from(b)
}

/// A row of RGB bytes to luma.
pub(super) fn rgb_row_to_luma(src: &[u8], dst: &mut [f32]) {
    for (p, o) in src.chunks_exact(3).zip(dst) {
        *o = luma_rgb(p[0], p[1], p[2]);
    }
}

/// A row of grey bytes to luma (the grey value itself).
pub(super) fn grey_row_to_luma(src: &[u8], dst: &mut [f32]) {
    for (v, o) in src.iter().zip(dst) {
        *o = f32::from(*v);
    }
}

/// The Jarosz window for one axis: `ceil(n / 128)` (the reference's
/// `(old + 2*new - 1) / (2*new)` with new = 64).
fn window_size(n: usize) -> usize {
    n.div_ceil(128)
}

/// Blur, decimate, measure quality and transform a luma image of at least 5x5.
///
/// `luma` is consumed as the reference's first scratch buffer. `skip_64` reproduces the plain
/// (non-dihedral) reference entry point, which uses a 64x64 input as is; the dihedral entry point
/// always blurs, and at 64x64 its window-1 box filter is not exactly the identity in `f32`.
pub(super) fn dct16_from_luma(mut luma: Vec<f32>, rows: usize, cols: usize, skip_64: bool) -> Dct16 {
    debug_assert!(rows >= MIN_HASHABLE_DIM && cols >= MIN_HASHABLE_DIM);
    debug_assert_eq!(luma.len(), rows * cols);
    let mut small = [[0.0f32; 64]; 64];
    if skip_64 && rows == 64 && cols == 64 {
        for (i, row) in small.iter_mut().enumerate() {
            row.copy_from_slice(&luma[i * 64..(i + 1) * 64]);
        }
    } else {
        let mut scratch = vec![0.0f32; rows * cols];
        let (along_rows, along_cols) = (window_size(cols), window_size(rows));
        for _ in 0..JAROSZ_PASSES {
            box_along_rows(&luma, &mut scratch, cols, along_rows);
            box_along_cols(&scratch, &mut luma, cols, along_cols);
        }
        decimate(&luma, rows, cols, &mut small);
    }
    Dct16 { coef: dct64_to_16(&small), quality: quality(&small) }
}

/// The running-sum 1-D box filter of the reference over `input` into `output` (same length).
///
/// The sum is never reset, so rounding accumulates exactly as in the reference.
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

fn box_along_rows(input: &[f32], output: &mut [f32], cols: usize, window: usize) {
    for (src, dst) in input.chunks_exact(cols).zip(output.chunks_exact_mut(cols)) {
        box_1d(src, dst, window);
    }
}

/// [`box_1d`] down every column at once: one running sum per column, whole rows at a time
/// (cache-friendly), each column seeing exactly the reference's sequence of adds and subtracts.
fn box_along_cols(input: &[f32], output: &mut [f32], cols: usize, window: usize) {
    let rows = input.len() / cols;
    let row = |r: usize| &input[r * cols..(r + 1) * cols];
    let half = (window + 2) / 2;
    let (phase1, phase2, phase3, phase4) = (half - 1, window - half + 1, rows - window, half - 1);
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    let mut sums = vec![0.0f32; cols];
    let mut count = 0usize;
    let mut emit = |sums: &[f32], count: usize, oi: usize| {
        let c = count as f32;
        for (o, s) in output[oi * cols..(oi + 1) * cols].iter_mut().zip(sums) {
            *o = *s / c;
        }
    };
    for _ in 0..phase1 {
        add_row(&mut sums, row(ri));
        count += 1;
        ri += 1;
    }
    for _ in 0..phase2 {
        add_row(&mut sums, row(ri));
        count += 1;
        emit(&sums, count, oi);
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase3 {
        add_row(&mut sums, row(ri));
        sub_row(&mut sums, row(li));
        emit(&sums, count, oi);
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase4 {
        sub_row(&mut sums, row(li));
        count -= 1;
        emit(&sums, count, oi);
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

/// Output (i, j) takes input row `floor((i + 0.5) * rows / 64)`, column likewise, in `f64`.
fn decimate(input: &[f32], rows: usize, cols: usize, out: &mut [[f32; 64]; 64]) {
    for (i, out_row) in out.iter_mut().enumerate() {
        let ini = ((i as f64 + 0.5) * rows as f64 / 64.0) as usize;
        for (j, o) in out_row.iter_mut().enumerate() {
            let inj = ((j as f64 + 0.5) * cols as f64 / 64.0) as usize;
            *o = input[ini * cols + inj];
        }
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
        box_along_cols(&input, &mut fast, cols, 3);
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
