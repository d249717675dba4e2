//! Text the system itself wrote into events (the register inquiry's request
//! for a family-register extract, a death notification's note) is stored in
//! English, as events are never edited; pages show it in the reader's
//! language. What a person wrote is shown as written.

use domain::examination::DOMICILE_UNRESOLVED_MESSAGE;

use super::i18n::Lang;

/// The prefix of the note a death notification leaves on its change request.
const DEATH_NOTE: &str = "death notification, receipt ";
/// The same for a notified declaration of disappearance.
const DISAPPEARANCE_NOTE: &str = "disappearance notification, receipt ";

/// `text` in `lang` when the system wrote it, else as it is.
pub fn in_words(lang: Lang, text: &str) -> String {
    if text == DOMICILE_UNRESOLVED_MESSAGE {
        return match lang {
            Lang::Ja => "戸籍の照会では現在の本籍地を確認できませんでした。戸籍謄本または戸籍全部事項証明書を添付して回答してください。".to_owned(),
            Lang::En => text.to_owned(),
        };
    }
    if let Some(receipt) = text.strip_prefix(DEATH_NOTE) {
        return match lang {
            Lang::Ja => format!("死亡の届出（受付番号 {receipt}）"),
            Lang::En => format!("Notification of death (receipt {receipt})"),
        };
    }
    if let Some(receipt) = text.strip_prefix(DISAPPEARANCE_NOTE) {
        return match lang {
            Lang::Ja => format!("失踪宣告の届出（受付番号 {receipt}）"),
            Lang::En => {
                format!("Notification of a declaration of disappearance (receipt {receipt})")
            }
        };
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_systems_notes_come_in_the_readers_language_and_people_s_words_as_written() {
        let ja = in_words(Lang::Ja, DOMICILE_UNRESOLVED_MESSAGE);
        assert!(ja.contains("本籍地"));
        assert!(!ja.chars().any(|c| c.is_ascii_alphabetic()), "{ja}");
        assert_eq!(
            in_words(Lang::Ja, "death notification, receipt 8c74d46f"),
            "死亡の届出（受付番号 8c74d46f）"
        );
        assert_eq!(
            in_words(Lang::En, "death notification, receipt 8c74d46f"),
            "Notification of death (receipt 8c74d46f)"
        );
        assert_eq!(
            in_words(Lang::Ja, "disappearance notification, receipt 8c74d46f"),
            "失踪宣告の届出（受付番号 8c74d46f）"
        );
        assert_eq!(in_words(Lang::Ja, "Please attach it."), "Please attach it.");
    }
}
