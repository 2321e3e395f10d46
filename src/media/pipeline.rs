//! Pure image work: inspect, decode once, resize, encode. No I/O, no async.
//!
//! Decoding goes through `image` (zune-jpeg inside), or jpeg-decoder for the
//! baseline JPEGs zune-jpeg gets wrong, with hard limits checked from the
//! header before any pixel is allocated; resizing through
//! fast_image_resize (Lanczos3, SIMD; ~15× faster than `image`'s resize);
//! encoding through libwebp (lossy, which `image` lacks) and jpeg-encoder
//! (4:2:0). Encoders are given raw pixels only, so no metadata (EXIF, GPS)
//! reaches an output file.

use std::io::Cursor;

use fast_image_resize::images::{Image as FirImage, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{ImageDecoder, ImageReader, Limits};

use crate::kinds::ImageFormat;
pub use crate::kinds::{EncodeSettings, Placeholder};
use crate::media::jpeg::{decode_with_jpeg_decoder, jpeg_is_complete, jpeg_scans_per_component};

/// Largest side accepted, in pixels (Instagram serves at most 1440).
pub const MAX_SIDE: u32 = 12_000;
/// Largest area accepted: 50 megapixels; anything more is a decompression bomb here.
pub const MAX_PIXELS: u64 = 50_000_000;
/// Memory the decoder may allocate.
pub(super) const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;

/// Why an image could not be used; shown with the asset's id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// The bytes are not JPEG, PNG, WebP or GIF.
    #[error("the file is not an image ({0})")]
    NotAnImage(String),
    /// Dimensions beyond the limits, refused before decoding.
    #[error(
        "the image is {width}×{height} pixels, beyond the limit ({MAX_SIDE} px a side, {MAX_PIXELS} pixels); refused without decoding"
    )]
    TooLarge {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
    },
    /// Truncated or corrupt data.
    #[error("the image cannot be decoded ({0})")]
    Decode(String),
    /// An encoder failed.
    #[error("the image cannot be encoded ({0})")]
    Encode(String),
}

/// Decoded pixels: 8-bit RGB, row-major, orientation applied.
#[derive(Debug, Clone)]
pub struct Rgb {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 3` bytes.
    pub pixels: Vec<u8>,
}

/// The file extension for the bytes' real format, by magic number (never by content-type).
pub fn sniff(bytes: &[u8]) -> Result<&'static str, ImageError> {
    match image::guess_format(bytes) {
        Ok(image::ImageFormat::Jpeg) => Ok("jpg"),
        Ok(image::ImageFormat::Png) => Ok("png"),
        Ok(image::ImageFormat::WebP) => Ok("webp"),
        Ok(image::ImageFormat::Gif) => Ok("gif"),
        Ok(other) => Err(ImageError::NotAnImage(format!(
            "{other:?} is not a supported format"
        ))),
        Err(_) => {
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(24)]).into_owned();
            Err(ImageError::NotAnImage(format!(
                "starts with {:?}",
                head.trim()
            )))
        }
    }
}

/// A reader with hard limits; `header_only` lifts the size limits (not the
/// allocation cap) so the real dimensions can be read and named in the error.
fn reader(bytes: &[u8], header_only: bool) -> Result<ImageReader<Cursor<&[u8]>>, ImageError> {
    let mut r = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    let mut limits = Limits::default();
    if !header_only {
        limits.max_image_width = Some(MAX_SIDE);
        limits.max_image_height = Some(MAX_SIDE);
    }
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    r.limits(limits);
    Ok(r)
}

/// Largest compressed ICC profile read from a PNG. Real profiles are a few KB
/// (sRGB, Display P3) to a few hundred KB compressed... rarely; a 1 MB PNG can
/// carry a zlib bomb there that inflates to 512 MB before a pixel is read.
pub const MAX_PNG_ICC_BYTES: usize = 64 * 1024;

/// A PNG without an `iCCP` chunk over [`MAX_PNG_ICC_BYTES`] (the image keeps its
/// pixels and is taken as sRGB); any other input as it is.
fn without_oversized_icc(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !bytes.starts_with(SIGNATURE) {
        return std::borrow::Cow::Borrowed(bytes);
    }
    let mut at = SIGNATURE.len();
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
        let kind = &bytes[at + 4..at + 8];
        let end = at.saturating_add(12).saturating_add(len).min(bytes.len());
        if kind == b"iCCP" && len > MAX_PNG_ICC_BYTES {
            tracing::debug!("an ICC profile of {len} compressed bytes is ignored");
            let mut out = bytes[..at].to_vec();
            out.extend_from_slice(&bytes[end..]);
            return std::borrow::Cow::Owned(out);
        }
        if kind == b"IDAT" {
            break;
        }
        at = end;
    }
    std::borrow::Cow::Borrowed(bytes)
}

/// Checks format and dimensions from the header alone; returns the displayed
/// size (EXIF rotation applied).
pub fn inspect(bytes: &[u8]) -> Result<(u32, u32), ImageError> {
    let bytes = &*without_oversized_icc(bytes);
    if sniff(bytes)? == "jpg" && !jpeg_is_complete(bytes) {
        return Err(ImageError::Decode(
            "the JPEG is truncated (no end-of-image marker): the download or the stored file was cut short".into(),
        ));
    }
    let mut decoder = reader(bytes, true)?.into_decoder().map_err(decode_error)?;
    let (w, h) = decoder.dimensions();
    check_size(w, h)?;
    use image::metadata::Orientation::*;
    Ok(match decoder.orientation().unwrap_or(NoTransforms) {
        Rotate90 | Rotate270 | Rotate90FlipH | Rotate270FlipH => (h, w),
        _ => (w, h),
    })
}

pub(super) fn check_size(width: u32, height: u32) -> Result<(), ImageError> {
    if width == 0 || height == 0 {
        return Err(ImageError::Decode("zero width or height".into()));
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageError::TooLarge { width, height });
    }
    Ok(())
}

/// The decoder's error in our terms (size limits are checked before decoding by [`inspect`]).
fn decode_error(e: image::ImageError) -> ImageError {
    match e {
        image::ImageError::Limits(l) => ImageError::Decode(format!("over the size limits: {l}")),
        other => ImageError::Decode(other.to_string()),
    }
}

/// Decodes to RGB with EXIF orientation applied (so width/height are as displayed).
pub fn decode(bytes: &[u8]) -> Result<Rgb, ImageError> {
    let bytes = &*without_oversized_icc(bytes);
    inspect(bytes)?;
    if jpeg_scans_per_component(bytes) {
        let (img, icc) = decode_with_jpeg_decoder(bytes)?;
        return Ok(finish(img, icc));
    }
    let mut decoder = reader(bytes, false)?.into_decoder().map_err(decode_error)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    let mut img = image::DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    img.apply_orientation(orientation);
    Ok(finish(img, icc))
}

/// Decoded pixels as 8-bit RGB, converted to sRGB when an ICC profile says so.
fn finish(img: image::DynamicImage, icc: Option<Vec<u8>>) -> Rgb {
    let rgb = img.into_rgb8();
    let mut out = Rgb {
        width: rgb.width(),
        height: rgb.height(),
        pixels: rgb.into_raw(),
    };
    if let Some(icc) = icc {
        to_srgb(&mut out, &icc);
    }
    out
}

/// Converts pixels tagged with an RGB ICC profile (Display P3, Adobe RGB, …)
/// to sRGB, which is what untagged WebP/JPEG outputs are shown as. A profile
/// that cannot be read leaves the pixels as they are: a slight colour shift
/// beats a missing image.
fn to_srgb(img: &mut Rgb, icc: &[u8]) {
    use moxcms::{ColorProfile, DataColorSpace, Layout, TransformOptions};
    let Ok(profile) = ColorProfile::new_from_slice(icc) else {
        tracing::debug!("unreadable ICC profile; colours kept as they are");
        return;
    };
    if profile.color_space != DataColorSpace::Rgb {
        return;
    }
    let srgb = ColorProfile::new_srgb();
    let Ok(transform) =
        profile.create_transform_8bit(Layout::Rgb, &srgb, Layout::Rgb, TransformOptions::default())
    else {
        return;
    };
    let mut converted = vec![0u8; img.pixels.len()];
    if transform.transform(&img.pixels, &mut converted).is_ok() {
        img.pixels = converted;
    }
}

/// Width of the low-quality preview.
pub const LQIP_WIDTH: u32 = 16;
/// The preview is made from a copy this wide, not from the full image: cheaper.
const LQIP_SOURCE_WIDTH: u32 = 320;

/// One encoded variant, before it is stored.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Its format.
    pub format: ImageFormat,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// Makes the `wanted` variants (ascending by width; formats grouped per width)
/// of a decoded image, resizing once per width, and its placeholder if asked:
/// the one place where a build and the benchmark do the per-photo work.
pub fn make_variants(
    decoded: &Rgb,
    wanted: &[(u32, ImageFormat)],
    settings: &EncodeSettings,
    with_placeholder: bool,
) -> Result<(Vec<Encoded>, Option<Placeholder>), ImageError> {
    let mut out = Vec::with_capacity(wanted.len());
    let mut ph = None;
    let mut i = 0;
    while i < wanted.len() {
        let width = wanted[i].0;
        let owned;
        let img: &Rgb = if width == decoded.width {
            decoded
        } else {
            owned = resize(decoded, width)?;
            &owned
        };
        if with_placeholder && ph.is_none() && width <= LQIP_SOURCE_WIDTH {
            ph = Some(placeholder(img)?);
        }
        while i < wanted.len() && wanted[i].0 == width {
            let format = wanted[i].1;
            let bytes = encode(img, format, settings.quality(format), settings.effort)?;
            out.push(Encoded {
                width: img.width,
                height: img.height,
                format,
                bytes,
            });
            i += 1;
        }
    }
    if with_placeholder && ph.is_none() {
        let small = resize(decoded, LQIP_SOURCE_WIDTH.min(decoded.width))?;
        ph = Some(placeholder(&small)?);
    }
    Ok((out, ph))
}

/// Makes the placeholder of a decoded image.
pub fn placeholder(img: &Rgb) -> Result<Placeholder, ImageError> {
    use base64::Engine;
    let tiny = resize(img, LQIP_WIDTH.min(img.width))?;
    let n = (tiny.pixels.len() / 3).max(1) as u64;
    let mut sum = [0u64; 3];
    for px in tiny.pixels.chunks_exact(3) {
        for c in 0..3 {
            sum[c] += u64::from(px[c]);
        }
    }
    let color = format!("#{:02x}{:02x}{:02x}", sum[0] / n, sum[1] / n, sum[2] / n);
    let webp = encode(&tiny, ImageFormat::Webp, 30, 4)?;
    let lqip = format!(
        "data:image/webp;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(webp)
    );
    Ok(Placeholder { color, lqip })
}

/// The widths to produce for an image `original_width` wide: each configured width
/// below it, plus the original width itself when it is below the largest
/// configured one (never upscaled).
pub fn variant_widths(original_width: u32, widths: &[u32]) -> Vec<u32> {
    let mut out: Vec<u32> = widths
        .iter()
        .copied()
        .filter(|&w| w < original_width)
        .collect();
    let largest = widths.iter().copied().max().unwrap_or(original_width);
    out.push(original_width.min(largest));
    out.sort_unstable();
    out.dedup();
    out
}

/// The height matching `width` at the source's aspect ratio (at least 1).
pub fn scaled_height(src_w: u32, src_h: u32, width: u32) -> u32 {
    ((u64::from(src_h) * u64::from(width) + u64::from(src_w) / 2) / u64::from(src_w)).max(1) as u32
}

/// Resizes with Lanczos3; returns the source unchanged when the width matches.
pub fn resize(src: &Rgb, width: u32) -> Result<Rgb, ImageError> {
    if width == src.width {
        return Ok(src.clone());
    }
    let height = scaled_height(src.width, src.height, width);
    let src_img = ImageRef::new(src.width, src.height, &src.pixels, PixelType::U8x3)
        .map_err(|e| ImageError::Encode(e.to_string()))?;
    let mut dst = FirImage::new(width, height, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(&src_img, &mut dst, &options)
        .map_err(|e| ImageError::Encode(e.to_string()))?;
    Ok(Rgb {
        width,
        height,
        pixels: dst.into_vec(),
    })
}

/// The CPU feature this binary's WebP encoder was built to need and this
/// machine lacks, if any: with the default `sse41` feature libwebp is compiled
/// for SSE4.1 (every x86-64 CPU since 2008 to 2011), which makes its encoder
/// about a third faster; a build without the feature runs on any x86-64.
pub fn missing_cpu_feature() -> Option<&'static str> {
    #[cfg(all(feature = "sse41", any(target_arch = "x86", target_arch = "x86_64")))]
    if !std::is_x86_feature_detected!("sse4.1") {
        return Some("SSE4.1");
    }
    None
}

/// Encodes RGB pixels in `format` at `quality`; `effort` is WebP's method
/// (0 fastest … 6 smallest), ignored for JPEG.
pub fn encode(
    img: &Rgb,
    format: ImageFormat,
    quality: u8,
    effort: u8,
) -> Result<Vec<u8>, ImageError> {
    match format {
        ImageFormat::Webp => {
            let encoder = webp::Encoder::from_rgb(&img.pixels, img.width, img.height);
            let mut config = libwebp_sys::WebPConfig::new()
                .map_err(|_| ImageError::Encode("libwebp version mismatch".into()))?;
            config.quality = f32::from(quality);
            config.method = i32::from(effort.min(6));
            encoder
                .encode_advanced(&config)
                .map(|m| m.to_vec())
                .map_err(|e| ImageError::Encode(format!("WebP: {e:?}")))
        }
        ImageFormat::Avif => {
            use rgb::FromSlice;
            let pixels = img.pixels.as_rgb();
            let encoded = ravif::Encoder::new()
                .with_quality(f32::from(quality))
                .with_speed(10 - effort.min(6))
                .encode_rgb(imgref::Img::new(
                    pixels,
                    img.width as usize,
                    img.height as usize,
                ))
                .map_err(|e| ImageError::Encode(format!("AVIF: {e}")))?;
            Ok(encoded.avif_file)
        }
        ImageFormat::Jpeg => {
            let mut out = Vec::new();
            let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
            encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
            // Optimised Huffman tables: ~5 % smaller at the same pixels (libjpeg's optimize_coding).
            encoder.set_optimized_huffman_tables(true);
            let (w, h) = (
                u16::try_from(img.width)
                    .map_err(|_| ImageError::Encode("too wide for JPEG".into()))?,
                u16::try_from(img.height)
                    .map_err(|_| ImageError::Encode("too tall for JPEG".into()))?,
            );
            encoder
                .encode(&img.pixels, w, h, jpeg_encoder::ColorType::Rgb)
                .map_err(|e| ImageError::Encode(e.to_string()))?;
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_never_upscale_and_cap_at_the_largest() {
        assert_eq!(
            variant_widths(1080, &[320, 640, 1080]),
            vec![320, 640, 1080]
        );
        assert_eq!(variant_widths(800, &[320, 640, 1080]), vec![320, 640, 800]);
        assert_eq!(
            variant_widths(1440, &[320, 640, 1080]),
            vec![320, 640, 1080]
        );
        assert_eq!(variant_widths(200, &[320, 640]), vec![200]);
    }

    #[test]
    fn non_images_are_named_as_such() {
        let err = sniff(b"<html>URL signature expired</html>").unwrap_err();
        assert!(matches!(err, ImageError::NotAnImage(_)), "{err}");
    }

    #[test]
    fn round_trip_resizes_to_the_stated_size() {
        let src = Rgb {
            width: 64,
            height: 48,
            pixels: (0..64 * 48 * 3).map(|i| (i % 251) as u8).collect(),
        };
        let small = resize(&src, 32).unwrap();
        assert_eq!((small.width, small.height), (32, 24));
        for format in [ImageFormat::Webp, ImageFormat::Jpeg] {
            let bytes = encode(&small, format, 80, 4).unwrap();
            assert_eq!(inspect(&bytes).unwrap(), (32, 24));
        }
    }

    #[test]
    fn our_jpeg_decodes_to_what_was_encoded() {
        // A photo-like image: smooth gradients with a little texture.
        let (w, h) = (640u32, 480u32);
        let mut pixels = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                let t = ((x * 7 + y * 13) % 17) as u8;
                pixels.extend([
                    (x * 255 / w) as u8 / 2 + t,
                    (y * 255 / h) as u8 / 2 + t,
                    ((x + y) * 255 / (w + h)) as u8 / 2 + t,
                ]);
            }
        }
        let img = Rgb {
            width: w,
            height: h,
            pixels,
        };
        let bytes = encode(&img, ImageFormat::Jpeg, 80, 4).unwrap();
        let back = decode(&bytes).unwrap();
        assert_eq!((back.width, back.height), (w, h));
        let diff: u64 = img
            .pixels
            .iter()
            .zip(&back.pixels)
            .map(|(a, b)| u64::from(a.abs_diff(*b)))
            .sum();
        let mean = diff as f64 / img.pixels.len() as f64;
        assert!(mean < 4.0, "mean difference {mean}");
    }

    #[test]
    fn jpegs_of_one_scan_per_component_keep_orientation_and_colour() {
        // As our own encoder writes them (optimised Huffman tables: one scan
        // per component), with EXIF orientation 6 (turn 90° clockwise).
        let img = flat(40, 24, [200, 40, 90]);
        let mut bytes = Vec::new();
        let mut e = jpeg_encoder::Encoder::new(&mut bytes, 90);
        e.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
        e.set_optimized_huffman_tables(true);
        e.add_exif_metadata(b"MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0")
            .unwrap();
        e.encode(&img.pixels, 40, 24, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        assert!(jpeg_scans_per_component(&bytes));
        let back = decode(&bytes).unwrap();
        assert_eq!((back.width, back.height), (24, 40), "turned by its EXIF");
        let px = &back.pixels[(20 * 24 + 12) * 3..][..3];
        assert!(
            px.iter()
                .zip([200, 40, 90])
                .all(|(a, b)| a.abs_diff(b) <= 6),
            "{px:?}"
        );

        // One interleaved scan: the usual decoder's case.
        let mut plain = Vec::new();
        jpeg_encoder::Encoder::new(&mut plain, 90)
            .encode(&img.pixels, 40, 24, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        assert!(!jpeg_scans_per_component(&plain));
        // Cut anywhere, the marker walk answers without panicking.
        for end in 0..bytes.len() {
            let _ = jpeg_scans_per_component(&bytes[..end]);
        }
    }

    fn flat(width: u32, height: u32, rgb: [u8; 3]) -> Rgb {
        Rgb {
            width,
            height,
            pixels: rgb
                .iter()
                .copied()
                .cycle()
                .take((width * height * 3) as usize)
                .collect(),
        }
    }

    #[test]
    fn avif_is_an_avif_file() {
        let img = flat(64, 48, [30, 120, 200]);
        let bytes = encode(&img, ImageFormat::Avif, 60, 6).unwrap();
        assert_eq!(&bytes[4..12], b"ftypavif");
        assert!(bytes.len() < 2_000, "{}", bytes.len());
    }

    #[test]
    fn placeholder_is_the_average_colour_and_a_tiny_webp() {
        let p = placeholder(&flat(200, 100, [200, 100, 50])).unwrap();
        assert_eq!(p.color, "#c86432");
        assert!(p.lqip.starts_with("data:image/webp;base64,"));
        assert!(p.lqip.len() < 400, "{}", p.lqip.len());
    }

    /// A real PNG with an `iCCP` chunk holding `compressed` inserted after `IHDR`.
    fn png_with_icc_chunk(compressed: &[u8]) -> Vec<u8> {
        fn crc32(bytes: &[u8]) -> u32 {
            let mut crc = 0xffff_ffffu32;
            for &b in bytes {
                crc ^= u32::from(b);
                for _ in 0..8 {
                    crc = if crc & 1 != 0 {
                        (crc >> 1) ^ 0xedb8_8320
                    } else {
                        crc >> 1
                    };
                }
            }
            !crc
        }
        let img = image::RgbImage::from_pixel(40, 30, image::Rgb([200, 10, 10]));
        let mut png = std::io::Cursor::new(Vec::new());
        img.write_to(&mut png, image::ImageFormat::Png).unwrap();
        let png = png.into_inner();
        let after_ihdr = 8 + 12 + 13;
        let mut body = b"iCCPbomb\0\0".to_vec();
        body.extend_from_slice(compressed);
        let mut chunk = ((body.len() - 4) as u32).to_be_bytes().to_vec();
        chunk.extend_from_slice(&body);
        chunk.extend_from_slice(&crc32(&body).to_be_bytes());
        [&png[..after_ihdr], &chunk[..], &png[after_ihdr..]].concat()
    }

    #[test]
    fn an_oversized_png_icc_profile_is_never_inflated() {
        // Not valid zlib either: had the decoder read it, the image would fail.
        let bomb = png_with_icc_chunk(&vec![0x55; MAX_PNG_ICC_BYTES + 1]);
        let stripped = without_oversized_icc(&bomb);
        assert_eq!(
            bomb.len() - stripped.len(),
            12 + 10 + MAX_PNG_ICC_BYTES + 1 - 4
        );
        let img = decode(&bomb).unwrap();
        assert_eq!((img.width, img.height), (40, 30));
        let small = png_with_icc_chunk(&[0x78, 0x9c, 0x03, 0x00]);
        assert_eq!(without_oversized_icc(&small).len(), small.len());
    }

    fn jpeg_with_icc(img: &Rgb, icc: Option<&[u8]>, exif: Option<&[u8]>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut e = jpeg_encoder::Encoder::new(&mut out, 95);
        if let Some(icc) = icc {
            e.add_icc_profile(icc).unwrap();
        }
        if let Some(exif) = exif {
            e.add_exif_metadata(exif).unwrap();
        }
        e.encode(
            &img.pixels,
            img.width as u16,
            img.height as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .unwrap();
        out
    }

    #[test]
    fn display_p3_is_converted_to_srgb_and_untagged_is_kept() {
        let img = flat(32, 32, [60, 170, 90]);
        let p3 = moxcms::ColorProfile::new_display_p3().encode().unwrap();
        let tagged = decode(&jpeg_with_icc(&img, Some(&p3), None)).unwrap();
        let plain = decode(&jpeg_with_icc(&img, None, None)).unwrap();
        let (t, p) = (&tagged.pixels[..3], &plain.pixels[..3]);
        assert!(
            p.iter().zip([60, 170, 90]).all(|(a, b)| a.abs_diff(b) <= 3),
            "{p:?}"
        );
        // A P3 green lies outside sRGB: its red drops (to the gamut edge), green holds.
        assert!(
            t[0] + 10 < p[0] && t[1] >= p[1],
            "P3 {p:?} became sRGB {t:?}"
        );
    }

    #[test]
    fn outputs_carry_no_metadata() {
        let img = flat(64, 64, [10, 20, 30]);
        let exif = b"Exif\0\0MM\0*\0\0\0\x08\0\x01\x88\x25\0\x04\0\0\0\x01\0\0\0\x1aGPS-SECRET";
        let src = jpeg_with_icc(&img, None, Some(exif));
        assert!(src.windows(10).any(|w| w == b"GPS-SECRET"));
        let decoded = decode(&src).unwrap();
        for format in [ImageFormat::Webp, ImageFormat::Jpeg] {
            let out = encode(&decoded, format, 80, 4).unwrap();
            assert!(!out.windows(4).any(|w| w == b"Exif"), "{format:?} has EXIF");
            assert!(!out.windows(10).any(|w| w == b"GPS-SECRET"));
        }
    }
}
