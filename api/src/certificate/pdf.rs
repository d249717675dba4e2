//! The printable certificate: one A4 page, the certified facts in Japanese
//! (with English labels) as real text in an embedded, subsetted Japanese
//! font, and the QR code of the verification URL drawn as vector squares.

use std::sync::Arc;

use ::certificate::Claims;
use chrono::NaiveDate;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::Document;

use super::{qr, NOTICE_EN, NOTICE_JA};
use crate::error::ApiError;

const WIDTH: f32 = 595.28;
const HEIGHT: f32 = 841.89;
const NAVY: (u8, u8, u8) = (24, 44, 92);
const GREY: (u8, u8, u8) = (90, 90, 90);
const BLACK: (u8, u8, u8) = (20, 20, 20);

/// The certificate as PDF bytes.
pub fn render(
    claims: &Claims,
    verification_url: &str,
    public_url: &str,
    font: Arc<Vec<u8>>,
) -> Result<Vec<u8>, ApiError> {
    let font = Font::new(font.into(), 0)
        .ok_or_else(|| ApiError::Internal("the certificate font cannot be read".into()))?;
    let (qr_width, modules) = qr::modules(verification_url)?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title("資格登録証明書 / Certificate of Registration".into())
            .language("ja".into())
            .creator("shikaku".into()),
    );
    let settings = PageSettings::from_wh(WIDTH, HEIGHT)
        .ok_or_else(|| ApiError::Internal("page size".into()))?;
    let mut page = document.start_page_with(settings);
    {
        let mut canvas = Canvas {
            surface: page.surface(),
            font,
        };
        canvas.draw(claims, public_url, qr_width, &modules);
        canvas.surface.finish();
    }
    page.finish();
    document
        .finish()
        .map_err(|e| ApiError::Internal(format!("PDF: {e:?}")))
}

struct Canvas<'a> {
    surface: Surface<'a>,
    font: Font,
}

fn color((r, g, b): (u8, u8, u8)) -> krilla::paint::Paint {
    rgb::Color::new(r, g, b).into()
}

/// Approximate advance of text: full width for Japanese, about half for Latin.
fn width(text: &str, size: f32) -> f32 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
        .sum::<f32>()
        * size
}

/// Breaks text into lines no wider than `max` (at spaces when it has any).
fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let words: Vec<String> = if text.contains(' ') {
        text.split(' ').map(|w| format!("{w} ")).collect()
    } else {
        text.chars().map(String::from).collect()
    };
    for word in words {
        if !line.is_empty() && width(&line, size) + width(word.trim_end(), size) > max {
            lines.push(line.trim_end().to_owned());
            line.clear();
        }
        line.push_str(&word);
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// Dates on the certificate: the Japanese calendar, the Western year beside it.
fn japanese_date(d: NaiveDate) -> String {
    crate::calendar::wareki(d)
}

impl Canvas<'_> {
    fn text(&mut self, x: f32, y: f32, size: f32, rgb: (u8, u8, u8), text: &str) {
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(Fill {
            paint: color(rgb),
            opacity: NormalizedF32::ONE,
            rule: Default::default(),
        }));
        self.surface.draw_text(
            Point::from_xy(x, y),
            self.font.clone(),
            size,
            text,
            false,
            TextDirection::Auto,
        );
    }

    fn centered(&mut self, y: f32, size: f32, rgb: (u8, u8, u8), text: &str) {
        let x = (WIDTH - width(text, size)) / 2.0;
        self.text(x, y, size, rgb, text);
    }

    fn frame(&mut self, inset: f32, line_width: f32) {
        let mut path = PathBuilder::new();
        if let Some(rect) = Rect::from_xywh(inset, inset, WIDTH - 2.0 * inset, HEIGHT - 2.0 * inset)
        {
            path.push_rect(rect);
        }
        self.stroke(path, line_width);
    }

    fn rule(&mut self, x1: f32, x2: f32, y: f32, line_width: f32) {
        let mut path = PathBuilder::new();
        path.move_to(x1, y);
        path.line_to(x2, y);
        self.stroke(path, line_width);
    }

    fn stroke(&mut self, path: PathBuilder, line_width: f32) {
        let Some(path) = path.finish() else { return };
        self.surface.set_fill(None);
        self.surface.set_stroke(Some(Stroke {
            paint: color(NAVY),
            width: line_width,
            ..Default::default()
        }));
        self.surface.draw_path(&path);
        self.surface.set_stroke(None);
    }

    fn qr(&mut self, x: f32, y: f32, size: f32, qr_width: usize, modules: &[bool]) {
        // Four modules of quiet zone on each side, as scanners expect. A
        // module is a whole number of points: at 72 dpi every module is then
        // whole pixels on the grid (fractional ones blur into their
        // neighbours, and some codes did not scan).
        let module = (size / (qr_width as f32 + 8.0)).floor().max(1.0);
        let mut path = PathBuilder::new();
        for (i, dark) in modules.iter().enumerate() {
            if *dark {
                let (row, col) = ((i / qr_width) as f32, (i % qr_width) as f32);
                if let Some(r) = Rect::from_xywh(
                    x + (col + 4.0) * module,
                    y + (row + 4.0) * module,
                    module,
                    module,
                ) {
                    path.push_rect(r);
                }
            }
        }
        let Some(path) = path.finish() else { return };
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(Fill {
            paint: color((0, 0, 0)),
            opacity: NormalizedF32::ONE,
            rule: Default::default(),
        }));
        self.surface.draw_path(&path);
    }

    fn draw(&mut self, claims: &Claims, public_url: &str, qr_width: usize, modules: &[bool]) {
        let f = &claims.facts;
        self.frame(26.0, 2.5);
        self.frame(33.0, 0.7);
        let id = format!("証明書ID Certificate ID: {}", f.certificate_id);
        self.text(WIDTH - 48.0 - width(&id, 7.5), 60.0, 7.5, GREY, &id);

        self.centered(128.0, 30.0, NAVY, "資 格 登 録 証 明 書");
        self.centered(
            152.0,
            11.0,
            GREY,
            "Certificate of Registration of a National Qualification",
        );
        self.centered(210.0, 24.0, BLACK, &f.qualification_name);

        let mut rows: Vec<(&str, &str, String, Option<&str>)> = [
            (
                "氏名",
                "Name",
                format!("{}　{}", f.family_name, f.given_name),
            ),
            (
                "フリガナ",
                "Name (kana)",
                format!("{}　{}", f.family_name_kana, f.given_name_kana),
            ),
            ("生年月日", "Date of birth", japanese_date(f.date_of_birth)),
            (
                "国籍",
                "Nationality",
                f.nationality.clone().unwrap_or_default(),
            ),
            (
                "登録番号",
                "Registration number",
                f.registration_number.clone(),
            ),
            (
                "登録年月日",
                "Date of registration",
                japanese_date(f.registered_on),
            ),
            ("発行日", "Date of issue", japanese_date(f.issued_on)),
        ]
        .into_iter()
        // A name in Latin script (a holder who is not a Japanese national)
        // may have no kana reading: its row is left out, not printed empty.
        .filter(|(_, _, v)| !v.trim().is_empty())
        .map(|(ja, en, v)| (ja, en, v, None))
        .collect();
        // Each endorsement (付記事項) on a row of its own, its English name
        // under the Japanese.
        for e in &f.endorsements {
            rows.push((
                "付記事項",
                "Endorsement",
                e.name_ja.clone(),
                Some(e.name_en.as_str()),
            ));
        }
        let mut y = 282.0;
        self.rule(80.0, WIDTH - 80.0, y - 22.0, 0.6);
        // Rows take 38 points each up to the height left above the
        // verification block; more rows (a nationality, endorsements) share it.
        let step = (244.0 / rows.len() as f32).min(38.0);
        for (ja, en, value, value_en) in rows {
            self.text(95.0, y, 12.0, NAVY, ja);
            self.text(95.0, y + 12.0, 7.5, GREY, en);
            let size = (270.0 / width(&value, 1.0)).min(16.0);
            match value_en {
                Some(value_en) => {
                    self.text(245.0, y + 1.0, size.min(13.0), BLACK, &value);
                    let size_en = (270.0 / width(value_en, 1.0)).min(7.5);
                    self.text(245.0, y + 13.0, size_en, GREY, value_en);
                }
                None => self.text(245.0, y + 4.0, size, BLACK, &value),
            }
            self.rule(80.0, WIDTH - 80.0, y + step * 0.53, 0.4);
            y += step;
        }

        self.centered(
            y + 22.0,
            13.0,
            BLACK,
            &format!(
                "上記の者は、{}として登録されていることを証明します。",
                f.qualification_name
            ),
        );
        self.centered(
            y + 40.0,
            8.0,
            GREY,
            "This certifies that the person named above is entered in the register of the qualification above.",
        );
        self.text(360.0, y + 64.0, 11.0, BLACK, &japanese_date(f.issued_on));
        self.text(360.0, y + 80.0, 11.0, NAVY, "資格登録機関");
        self.text(
            360.0,
            y + 92.0,
            7.5,
            GREY,
            &format!("Issuer: {}", claims.issuer),
        );

        let top = 630.0;
        // Large enough for 2 points a module at version 15: a phone, and
        // zbar on a 72-dpi rendering, read it at a glance.
        self.qr(50.0, top - 20.0, 200.0, qr_width, modules);
        let x = 265.0;
        self.text(x, top + 24.0, 11.0, NAVY, "真正性の確認 Verification");
        self.text(
            x,
            top + 42.0,
            8.5,
            BLACK,
            "QRコードを読み取るか、次の画面に証明書を入力して確認できます。",
        );
        self.text(
            x,
            top + 55.0,
            8.0,
            GREY,
            &format!("Scan the code or open {public_url}/verify"),
        );
        let mut line_y = top + 76.0;
        for line in wrap(NOTICE_JA, 7.5, 285.0) {
            self.text(x, line_y, 7.5, BLACK, &line);
            line_y += 11.0;
        }
        line_y += 2.0;
        for line in wrap(NOTICE_EN, 7.0, 285.0) {
            self.text(x, line_y, 7.0, GREY, &line);
            line_y += 10.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_character_and_the_width() {
        let lines = wrap(NOTICE_JA, 8.0, 200.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), NOTICE_JA);
        assert!(lines.iter().all(|l| width(l, 8.0) <= 200.0));
        let en = wrap(NOTICE_EN, 8.0, 200.0);
        assert_eq!(en.join(" "), NOTICE_EN);
    }
}
