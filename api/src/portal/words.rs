//! The portal's words in Japanese (the default) and English; status,
//! procedure, reason and event names come from the console's glossary
//! ([`crate::console::i18n`]), so both say the same thing.

use chrono::{DateTime, NaiveDate, Utc};

use crate::console::i18n::{Lang, Text};

/// Looks words up in one language; templates call `t.get("key")`.
#[derive(Debug, Clone, Copy)]
pub struct Words(pub Lang);

impl Words {
    /// The words for `key`: the portal's own, else the shared glossary's.
    pub fn get<'a>(&self, key: &'a str) -> &'a str {
        match WORDS.iter().find(|(k, _, _)| *k == key) {
            Some((_, ja, en)) => match self.0 {
                Lang::Ja => ja,
                Lang::En => en,
            },
            None => Text(self.0).get(key),
        }
    }

    /// The language code for the `lang` attribute.
    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    /// The other language, for the switch link.
    pub fn other(&self) -> &'static str {
        Text(self.0).other()
    }

    /// An instant as the page's reader dates it: the Japanese calendar on a
    /// Japanese page, Japan's time either way.
    pub fn time(&self, at: DateTime<Utc>) -> String {
        match self.0 {
            Lang::Ja => crate::calendar::wareki_time(at),
            Lang::En => crate::console::view::jst(at),
        }
    }

    /// A date, in the Japanese calendar on a Japanese page.
    pub fn date(&self, d: NaiveDate) -> String {
        match self.0 {
            Lang::Ja => crate::calendar::wareki(d),
            Lang::En => d.format("%-d %B %Y").to_string(),
        }
    }
}

/// (key, Japanese, English).
const WORDS: &[(&str, &str, &str)] = &[
    ("portal", "資格登録 申請者ページ", "Qualification registration: applicant portal"),
    ("my_page", "マイページ", "My page"),
    ("token_help", "本人確認サービス（IDプロバイダ）が発行したトークンを貼り付けてください。開発環境では次のコマンドで発行できます：", "Paste the token your identity provider issued. In development, issue one with this command:"),
    ("token_command", "shikaku token --role applicant --sub あなたのID", "shikaku token --role applicant --sub YOUR_ID"),
    ("portal_login_refused", "このページは申請者専用です。審査官・省庁のトークンではサインインできません。", "This portal is for applicants. Examiner and ministry tokens cannot sign in."),
    ("my_applications", "申請と登録", "Applications and registrations"),
    ("my_change_requests", "変更届・再交付・消除の届出", "Change, re-issue and deletion requests"),
    ("no_applications", "申請はまだありません。", "You have no applications yet."),
    ("no_change_requests", "届出はありません。", "You have filed no requests."),
    ("apply", "新規登録を申請する", "Apply for registration"),
    ("inbox", "お知らせ", "Inbox"),
    ("no_notices", "お知らせはまだありません。", "No notices yet."),
    ("sent_at", "送信日時", "Sent"),
    ("details", "詳細", "Details"),
    ("submit_application", "申請する", "Apply"),
    ("preferred_language", "お知らせの言語", "Language of notices"),
    ("lang_ja", "日本語", "Japanese"),
    ("lang_en", "英語", "English"),
    ("kana_help", "全角カタカナで入力してください（例：ヤマダ）。日本国籍の方は必須です。日本国籍でない方で読み仮名のない方は空欄でかまいません。", "Full-width katakana (e.g. ヤマダ). Required of Japanese nationals; if you are not one and your name has no reading, leave it empty."),
    ("domicile_help", "日本国籍の方は必須です（戸籍のある場所）。日本国籍でない方は空欄にして、国籍を入力してください。", "Required of Japanese nationals (where your family register is kept). If you are not a Japanese national, leave it empty and give your nationality."),
    ("nationality_help", "日本国籍でない方のみ、国名を2文字のコードで入力してください（例：米国 US、中国 CN、ベトナム VN、フィリピン PH）。日本国籍の方は空欄です。", "Only if you are not a Japanese national: your country as its two-letter code (e.g. US, CN, VN, PH). Japanese nationals leave it empty."),
    ("date_help", "例：1990-04-01", "e.g. 1990-04-01"),
    ("case_number", "申請番号", "Case number"),
    ("fee_to_pay", "お支払いいただく手数料", "Fee to pay"),
    ("pay", "手数料を支払う", "Pay the fee"),
    ("pay_wait", "お支払いページを準備しています。しばらくしてからこのページを再読み込みしてください。", "The payment page is being prepared. Reload this page in a moment."),
    ("payment_status", "お支払い状況", "Payment"),
    ("answer_request", "補正の求めに回答する", "Answer the information request"),
    ("answer_message", "回答（本文）", "Your answer"),
    ("answer_files", "添付書類（PDF・JPEG・PNG、複数可）", "Documents (PDF, JPEG or PNG; several allowed)"),
    ("send_answer", "回答を送る", "Send the answer"),
    ("request_from_office", "事務局からの求め", "What the office asks"),
    ("withdraw", "申請を取り下げる", "Withdraw"),
    ("withdraw_help", "取り下げると審査は終了し、元に戻せません。納付済みの手数料は審査前であれば還付されます。", "Withdrawing ends the examination and cannot be undone. A fee already paid is refunded if the examination has not begun."),
    ("certificate", "登録証", "Certificate"),
    ("certificate_pdf", "登録証（PDF）をダウンロード", "Download the certificate (PDF)"),
    ("certificate_qr", "確認用QRコード（SVG）をダウンロード", "Download the verification QR code (SVG)"),
    ("certificate_pending", "登録証を発行しています。しばらくしてから再読み込みしてください。", "The certificate is being issued. Reload this page in a moment."),
    ("file_request", "登録事項の変更・再交付・消除を届け出る", "Request a change, re-issue or deletion"),
    ("file_request_help", "変更する項目だけを入力してください。再交付・消除には理由を書いてください。", "Fill in only what changes. For a re-issue or deletion, say why."),
    ("new_values", "新しい内容", "New values"),
    ("request_reason", "理由", "Reason"),
    ("send_request", "届け出る", "Send the request"),
    ("responded", "回答を送りました。", "Your answer was sent."),
    ("withdrawn", "申請を取り下げました。", "Your application was withdrawn."),
    ("filed", "届出を受け付けました。", "Your request was received."),
    ("submitted_notice", "申請を受け付けました。手数料をお支払いください。", "Your application was received. Please pay the fee."),
    ("upload_refused", "添付できるのはPDF・JPEG・PNGの書類です。", "Only PDF, JPEG and PNG documents can be attached."),
    ("too_large", "添付書類が大きすぎます。", "The documents are too large."),
    ("registered_on", "登録日", "Registered on"),
    ("registration_of", "対象の登録", "Registration"),
    ("back_to_my_page", "マイページに戻る", "Back to my page"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_every_word_has_both_languages() {
        for (i, (k, ja, en)) in WORDS.iter().enumerate() {
            assert!(WORDS[i + 1..].iter().all(|(o, _, _)| o != k), "{k} twice");
            assert!(!ja.is_empty() && !en.is_empty(), "{k}");
        }
        assert_eq!(
            Words(Lang::Ja).get("DELETED"),
            "消除",
            "the shared glossary"
        );
    }
}
