//! The image pipeline on a folder of photos, for `bench/images.sh`; and SSIM-Y.
//!
//! ```text
//! pipeline_bench run IN OUT [--workers N] [--profile balanced|fast]
//! pipeline_bench ssim REF_DIR TEST_DIR SUFFIX
//! ```
//!
//! `run` does what a build does per photo: decode once (orientation, ICC),
//! resize to 320/640/1080, encode WebP and JPEG, make the placeholder, on N
//! worker threads, one photo per task. It prints one JSON line: wall seconds,
//! output bytes, peak RSS, and CPU milliseconds per photo outside the encoders.
//! `ssim` compares every `REF_DIR/<name>.png` with `TEST_DIR/<name><SUFFIX>`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use feedgen::config::{ImageFormat, Profile};
use feedgen::media::pipeline;

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn photos(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("input folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    v.sort();
    v
}

fn run(input: &Path, out: &Path, workers: usize, profile: Profile) {
    let settings = profile.settings();
    std::fs::create_dir_all(out).unwrap();
    let files = photos(input);
    let next = AtomicUsize::new(0);
    let bytes = AtomicU64::new(0);
    let other_ns = AtomicU64::new(0);
    let failures = Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                    let t0 = Instant::now();
                    let data = std::fs::read(path).unwrap();
                    let img = match pipeline::decode(&data) {
                        Ok(i) => i,
                        Err(e) => {
                            failures.lock().unwrap().push(format!("{stem}: {e}"));
                            continue;
                        }
                    };
                    let wanted: Vec<(u32, ImageFormat)> =
                        pipeline::variant_widths(img.width, &[320, 640, 1080])
                            .into_iter()
                            .flat_map(|w| [(w, ImageFormat::Webp), (w, ImageFormat::Jpeg)])
                            .collect();
                    let (encoded, placeholder) =
                        pipeline::make_variants(&img, &wanted, &settings, true).unwrap();
                    for e in encoded {
                        bytes.fetch_add(e.bytes.len() as u64, Ordering::Relaxed);
                        let name = format!("{stem}-{}.{}", e.width, e.format.extension());
                        std::fs::write(out.join(name), &e.bytes).unwrap();
                    }
                    bytes.fetch_add(placeholder.unwrap().lqip.len() as u64, Ordering::Relaxed);
                    let _ = t0;
                }
            });
        }
    });
    let wall = started.elapsed().as_secs_f64();
    // CPU outside the encoders, measured apart on one thread: read, decode,
    // resize to every width, placeholder. Everything a photo costs but libwebp
    // and the JPEG encoder.
    for path in files.iter().take(50) {
        let t0 = Instant::now();
        let img = pipeline::decode(&std::fs::read(path).unwrap()).unwrap();
        let mut smallest = None;
        for w in pipeline::variant_widths(img.width, &[320, 640, 1080]) {
            if w != img.width {
                let r = pipeline::resize(&img, w).unwrap();
                smallest.get_or_insert(r);
            }
        }
        pipeline::placeholder(smallest.as_ref().unwrap_or(&img)).unwrap();
        other_ns.fetch_add(t0.elapsed().as_nanos() as u64, Ordering::Relaxed);
    }
    let n = files.len().max(1);
    for f in failures.lock().unwrap().iter() {
        eprintln!("failed: {f}");
    }
    println!(
        "{{\"tool\":\"feedgen\",\"profile\":\"{profile:?}\",\"workers\":{workers},\"photos\":{},\"wall_s\":{wall:.3},\"bytes\":{},\"peak_rss_mb\":{:.1},\"cpu_ms_per_photo_outside_encoders\":{:.2}}}",
        files.len(),
        bytes.load(Ordering::Relaxed),
        peak_rss_mb(),
        other_ns.load(Ordering::Relaxed) as f64 / 1e6 / n.min(50) as f64
    );
}

/// Luma (BT.601) of an image file, as f64, decoded as a build decodes it.
fn luma(path: &Path) -> (usize, usize, Vec<f64>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let img = pipeline::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (w, h) = (img.width as usize, img.height as usize);
    let y = img
        .pixels
        .chunks_exact(3)
        .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
        .collect();
    (w, h, y)
}

/// Separable 11-tap Gaussian (σ = 1.5) blur, edges clamped.
fn blur(w: usize, h: usize, src: &[f64]) -> Vec<f64> {
    let k: Vec<f64> = (-5i32..=5)
        .map(|i| (-(f64::from(i * i)) / (2.0 * 1.5 * 1.5)).exp())
        .collect();
    let sum: f64 = k.iter().sum();
    let k: Vec<f64> = k.iter().map(|v| v / sum).collect();
    let mut tmp = vec![0.0; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (i, kv) in k.iter().enumerate() {
                let xx = (x as isize + i as isize - 5).clamp(0, w as isize - 1) as usize;
                acc += kv * src[y * w + xx];
            }
            tmp[y * w + x] = acc;
        }
    }
    let mut out = vec![0.0; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (i, kv) in k.iter().enumerate() {
                let yy = (y as isize + i as isize - 5).clamp(0, h as isize - 1) as usize;
                acc += kv * tmp[yy * w + x];
            }
            out[y * w + x] = acc;
        }
    }
    out
}

/// Mean SSIM (Wang et al. 2004) of two luma planes of equal size.
fn ssim(w: usize, h: usize, a: &[f64], b: &[f64]) -> f64 {
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let prod = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(p, q)| p * q).collect::<Vec<_>>();
    let (ma, mb) = (blur(w, h, a), blur(w, h, b));
    let (saa, sbb, sab) = (
        blur(w, h, &prod(a, a)),
        blur(w, h, &prod(b, b)),
        blur(w, h, &prod(a, b)),
    );
    let mut total = 0.0;
    for i in 0..w * h {
        let (va, vb, cov) = (
            saa[i] - ma[i] * ma[i],
            sbb[i] - mb[i] * mb[i],
            sab[i] - ma[i] * mb[i],
        );
        total += ((2.0 * ma[i] * mb[i] + c1) * (2.0 * cov + c2))
            / ((ma[i] * ma[i] + mb[i] * mb[i] + c1) * (va + vb + c2));
    }
    total / (w * h) as f64
}

fn ssim_dirs(reference: &Path, test: &Path, suffix: &str) {
    let mut refs: Vec<PathBuf> = std::fs::read_dir(reference)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    refs.sort();
    let mut sum = 0.0;
    for r in &refs {
        let stem = r.file_stem().unwrap().to_string_lossy();
        let t = test.join(format!("{stem}{suffix}"));
        let (w, h, a) = luma(r);
        let (tw, th, b) = luma(&t);
        assert_eq!(
            (w, h),
            (tw, th),
            "{} vs {}: sizes differ",
            r.display(),
            t.display()
        );
        sum += ssim(w, h, &a, &b);
    }
    println!(
        "{{\"images\":{},\"ssim_y\":{:.5}}}",
        refs.len(),
        sum / refs.len().max(1) as f64
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    match args.first().map(String::as_str) {
        Some("run") => {
            let workers = flag("--workers").map_or(2, |w| w.parse().expect("--workers N"));
            let profile = match flag("--profile").as_deref() {
                Some("fast") => Profile::Fast,
                _ => Profile::Balanced,
            };
            run(Path::new(&args[1]), Path::new(&args[2]), workers, profile);
        }
        Some("ssim") => ssim_dirs(Path::new(&args[1]), Path::new(&args[2]), &args[3]),
        _ => {
            eprintln!(
                "usage: pipeline_bench run IN OUT [--workers N] [--profile balanced|fast]\n       pipeline_bench ssim REF_DIR TEST_DIR SUFFIX"
            );
            std::process::exit(2);
        }
    }
}
