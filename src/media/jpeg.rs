//! JPEG quirks the usual decoder gets wrong: files cut short, and files of
//! one scan per component, which go to jpeg-decoder instead.

use std::io::Cursor;

use crate::media::pipeline::{ImageError, MAX_DECODE_ALLOC, check_size};

/// A JPEG's entropy data cannot contain `FF D9` (it is byte-stuffed), so a file
/// without that end-of-image marker near its end was cut short. The decoder
/// would fill the missing part with grey instead of failing.
pub(super) fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// Whether `bytes` is a sequential JPEG whose first scan holds fewer
/// components than the frame: one scan per component ("non-interleaved").
/// zune-jpeg 0.5.15 decodes those to wrong colours and reports success
/// (zune-image#419, #422), so [`decode`](super::pipeline::decode) gives them to jpeg-decoder. Read
/// from untrusted bytes: every offset is checked, and anything unexpected
/// answers `false` (the usual decoder then judges the file).
pub(super) fn jpeg_scans_per_component(bytes: &[u8]) -> bool {
    let byte = |i: usize| bytes.get(i).copied();
    if bytes.get(..2) != Some(&[0xFF, 0xD8][..]) {
        return false;
    }
    let mut at = 2;
    let mut components = None;
    while let (Some(0xFF), Some(marker)) = (byte(at), byte(at + 1)) {
        match marker {
            // Fill bytes before a marker.
            0xFF => at += 1,
            0x01 | 0xD0..=0xD7 => at += 2,
            _ => {
                let (Some(hi), Some(lo)) = (byte(at + 2), byte(at + 3)) else {
                    return false;
                };
                let length = usize::from(u16::from_be_bytes([hi, lo]));
                match marker {
                    // Baseline and extended sequential frames: the component count.
                    0xC0 | 0xC1 => components = byte(at + 9),
                    // Progressive, lossless or arithmetic frames are not this case.
                    0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => return false,
                    0xDA => {
                        return matches!((components, byte(at + 4)), (Some(n), Some(s)) if s < n);
                    }
                    _ => {}
                }
                if length < 2 {
                    return false;
                }
                at += 2 + length;
            }
        }
    }
    false
}

/// [`decode`](super::pipeline::decode) for the JPEGs of [`jpeg_scans_per_component`], through
/// jpeg-decoder: pixels, EXIF orientation and ICC profile as `image` gives them.
pub(super) fn decode_with_jpeg_decoder(
    bytes: &[u8],
) -> Result<(image::DynamicImage, Option<Vec<u8>>), ImageError> {
    use jpeg_decoder::PixelFormat;
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.set_max_decoding_buffer_size(MAX_DECODE_ALLOC as usize);
    decoder
        .read_info()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    let info = decoder
        .info()
        .ok_or_else(|| ImageError::Decode("no JPEG frame header".into()))?;
    check_size(u32::from(info.width), u32::from(info.height))?;
    let pixels = decoder
        .decode()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let short =
        || ImageError::Decode("the JPEG decoded to fewer pixels than its header says".into());
    let mut img = match info.pixel_format {
        PixelFormat::RGB24 => {
            image::RgbImage::from_raw(w, h, pixels).map(image::DynamicImage::ImageRgb8)
        }
        PixelFormat::L8 => {
            image::GrayImage::from_raw(w, h, pixels).map(image::DynamicImage::ImageLuma8)
        }
        other => {
            return Err(ImageError::Decode(format!(
                "a JPEG of one scan per component in {other:?}, which is not supported"
            )));
        }
    }
    .ok_or_else(short)?;
    let orientation = decoder
        .exif_data()
        .and_then(image::metadata::Orientation::from_exif_chunk)
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    img.apply_orientation(orientation);
    Ok((img, decoder.icc_profile()))
}
