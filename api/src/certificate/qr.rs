//! QR codes of verification URLs.

use qrcode::render::svg;
use qrcode::{Color, EcLevel, QrCode};

use crate::error::ApiError;

fn code(url: &str) -> Result<QrCode, ApiError> {
    // Level M survives a smudged print and keeps the code small enough to scan.
    QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .map_err(|e| ApiError::Internal(format!("QR code: {e}")))
}

/// The QR code as an SVG document.
pub fn svg(url: &str) -> Result<String, ApiError> {
    Ok(code(url)?
        .render::<svg::Color>()
        .min_dimensions(320, 320)
        .quiet_zone(true)
        .build())
}

/// The QR code as a square of modules (true = dark), row by row.
pub fn modules(url: &str) -> Result<(usize, Vec<bool>), ApiError> {
    let code = code(url)?;
    let width = code.width();
    Ok((
        width,
        code.to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect(),
    ))
}
