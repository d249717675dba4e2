//! The console's words in Japanese (the default) and English. The language
//! comes from `?lang=`, then the `shikaku_lang` cookie it sets, then the
//! browser's Accept-Language.

use actix_web::HttpRequest;
use domain::CaseKind;

use super::session::cookie;

/// A language of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    /// The language a request asks for.
    pub fn of(req: &HttpRequest) -> Lang {
        let query = req.query_string();
        let asked = query
            .split('&')
            .find_map(|p| p.strip_prefix("lang="))
            .or_else(|| cookie(req, LANG_COOKIE));
        match asked {
            Some("en") => return Lang::En,
            Some("ja") => return Lang::Ja,
            _ => {}
        }
        let accept = req
            .headers()
            .get("accept-language")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        // The first listed language wins; quality values are rarely mixed here.
        match accept
            .split(',')
            .next()
            .map(|l| l.trim().to_ascii_lowercase())
        {
            Some(l) if l.starts_with("en") => Lang::En,
            _ => Lang::Ja,
        }
    }

    /// The `lang` attribute value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// The Set-Cookie value that keeps an explicit `?lang=` choice.
    pub fn remembered(req: &HttpRequest) -> Option<String> {
        Self::remembered_at(req, "/console")
    }

    /// [`Lang::remembered`] for the pages under `path`.
    pub fn remembered_at(req: &HttpRequest, path: &str) -> Option<String> {
        let query = req.query_string();
        let lang = query.split('&').find_map(|p| p.strip_prefix("lang="))?;
        matches!(lang, "en" | "ja").then(|| {
            format!("{LANG_COOKIE}={lang}; Path={path}; SameSite=Strict; Max-Age=31536000")
        })
    }
}

const LANG_COOKIE: &str = "shikaku_lang";

/// Looks words up in one language; templates call `t.get("key")`.
#[derive(Debug, Clone, Copy)]
pub struct Text(pub Lang);

impl Text {
    /// The words for `key`; the key itself when there are none (a bug, but visible).
    pub fn get<'a>(&self, key: &'a str) -> &'a str {
        match WORDS.iter().find(|(k, _, _)| *k == key) {
            Some((_, ja, en)) => match self.0 {
                Lang::Ja => ja,
                Lang::En => en,
            },
            None => key,
        }
    }

    /// The language code for the `lang` attribute.
    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    /// The other language, for the switch link.
    pub fn other(&self) -> &'static str {
        match self.0 {
            Lang::Ja => "en",
            Lang::En => "ja",
        }
    }

    /// A status, procedure, reason or error code in words.
    pub fn code_words<'a>(&self, code: &'a str) -> &'a str {
        self.get(code)
    }
}

/// (key, Japanese, English).
const WORDS: &[(&str, &str, &str)] = &[
    ("console", "審査コンソール", "Examiner console"),
    ("switch_language", "English", "日本語"),
    ("sign_in", "サインイン", "Sign in"),
    ("sign_out", "サインアウト", "Sign out"),
    ("token", "トークン", "Token"),
    ("token_help", "次のコマンドで発行したトークンを貼り付けてください：", "Paste a token issued with this command:"),
    ("token_command", "shikaku token --role examiner --sub あなたのID", "shikaku token --role examiner --sub YOUR_ID"),
    ("signed_in_as", "サインイン中", "Signed in as"),
    ("role_examiner", "審査官", "Examiner"),
    ("role_senior_examiner", "上席審査官", "Senior examiner"),
    ("login_invalid", "トークンが無効か期限切れです。", "The token is invalid or has expired."),
    ("login_refused", "このコンソールは審査官専用です。申請者・省庁のトークンではサインインできません。", "This console is for examiners. Applicant and ministry tokens cannot sign in."),
    ("session_expired", "セッションの期限が切れました。もう一度サインインしてください。", "Your session has expired. Please sign in again."),
    ("csrf_failed", "フォームの確認トークンが一致しません。何も変更されていません。ページを再読み込みしてやり直してください。", "The form's check token did not match, so nothing was changed. Reload the page and try again."),
    ("queue", "審査キュー", "Queue"),
    ("paper_entry", "紙の申請を入力", "Enter paper application"),
    ("paper_change_entry", "紙の変更届を入力", "Enter paper change request"),
    ("sanction_entry", "行政処分の案件を開始", "Open a sanction case"),
    ("filters", "絞り込み", "Filters"),
    ("status", "状態", "Status"),
    ("all", "すべて", "All"),
    ("open_cases", "未処理の案件", "Open cases"),
    ("qualification", "資格", "Qualification"),
    ("assignee", "担当者", "Assignee"),
    ("assigned_to_me", "自分の担当のみ", "Assigned to me"),
    ("overdue", "期限超過", "Overdue"),
    ("overdue_only", "期限超過のみ", "Overdue only"),
    ("apply_filters", "絞り込む", "Apply filters"),
    ("clear_filters", "条件をクリア", "Clear filters"),
    ("counts", "状態別件数", "Cases per status"),
    ("due", "処理期限", "Due"),
    ("case_type", "種別", "Case type"),
    ("procedure", "手続", "Procedure"),
    ("submitted", "受付日時", "Submitted"),
    ("flags", "注意事項", "Flags"),
    ("open", "開く", "Open"),
    ("case", "案件", "Case"),
    ("next_page", "次のページ", "Next page"),
    ("first_page", "最初のページ", "First page"),
    ("no_cases", "該当する案件はありません。", "No cases match."),
    ("unassigned", "未割当", "Unassigned"),
    (CaseKind::Registration.wire(), "登録申請", "Registration"),
    (CaseKind::ChangeRequest.wire(), "変更届", "Change request"),
    (CaseKind::Sanction.wire(), "行政処分", "Sanction"),
    ("SUSPENDED", "停止中", "Suspended"),
    ("REVOKED", "取消し", "Revoked"),
    ("EXPIRED", "有効期間満了", "Expired"),
    ("valid_until", "有効期間の満了日", "Valid until"),
    ("RENEWAL", "登録の更新", "Renewal"),
    ("RegistrationRenewed", "登録の更新", "Registration renewed"),
    ("RenewalReminded", "更新の案内", "Renewal reminder sent"),
    ("RegistrationExpired", "有効期間の満了", "Registration expired"),
    ("SUSPENSION", "名称使用等の停止", "Suspension"),
    ("REVOCATION", "登録の取消し", "Revocation"),
    ("legal_basis", "根拠条文", "Legal basis"),
    ("starts_on", "開始日", "Starts on"),
    ("ends_on", "終了日", "Ends on"),
    ("opened_by", "起案者", "Opened by"),
    ("SanctionOpened", "処分案件の開始", "Sanction case opened"),
    ("SanctionApplied", "処分の発効", "Sanction in force"),
    ("SanctionFailed", "処分の不成立", "Sanction could not take effect"),
    ("RegistrationSuspended", "停止処分", "Registration suspended"),
    ("SuspensionLifted", "停止期間の満了", "Suspension lifted"),
    ("RegistrationRevoked", "登録の取消し", "Registration revoked"),
    ("SUBMITTED", "受付", "Submitted"),
    ("AWAITING_PAYMENT", "手数料待ち", "Awaiting payment"),
    ("UNDER_EXAMINATION", "審査中", "Under examination"),
    ("ACTION_REQUIRED", "補正待ち", "Action required"),
    ("APPROVED", "承認済み", "Approved"),
    ("REGISTERED", "登録済み", "Registered"),
    ("REJECTED", "却下", "Rejected"),
    ("WITHDRAWN", "取下げ", "Withdrawn"),
    ("DELETED", "消除", "Deleted"),
    ("NEW_REGISTRATION", "新規登録", "New registration"),
    ("CHANGE_NAME", "氏名の変更", "Change of name"),
    ("CHANGE_ADDRESS", "住所の変更", "Change of address"),
    ("CHANGE_DOMICILE", "本籍の変更", "Change of registered domicile"),
    ("REISSUE_CERTIFICATE", "登録証の再交付", "Certificate re-issue"),
    ("DELETE_REGISTRATION", "登録の消除", "Deletion of registration"),
    ("ENDORSEMENT", "付記事項の追加・削除", "Endorsement"),
    ("DOMICILE_UNRESOLVED", "本籍を確認できない", "Registered domicile unresolved"),
    ("DOCUMENT_MISSING", "書類の不足", "Document missing"),
    ("FEE_UNPAID", "手数料未納", "Fee unpaid"),
    ("IDENTITY_MISMATCH", "本人確認の不一致", "Identity mismatch"),
    ("NOT_ELIGIBLE", "資格要件を満たさない", "Not eligible"),
    ("DISQUALIFIED", "欠格事由", "Disqualified"),
    ("DUPLICATE", "重複申請", "Duplicate"),
    ("REGISTRY_INQUIRY_PENDING", "住基・戸籍照会の回答待ち", "Register inquiry pending"),
    ("PAYMENT_MISMATCH", "納付額が手数料と一致しない", "Payment does not match the fee"),
    ("LINK_DISPUTED", "連携に異議申出あり", "Online link disputed"),
    ("MY_NUMBER_PARTICULARS_DIFFER", "同じマイナンバーが別の氏名・生年月日の案件にある（確認して理由を記録）", "My Number held under other particulars (look into it and record why)"),
    ("PREREQUISITE_ENDED", "前提となる資格の登録が終了した（確認して理由を記録）", "The prerequisite registration ended (look into it and record why)"),
    ("clear_flag", "注意事項を解除する", "Clear flag"),
    ("CONFIRMED", "一致", "Confirmed"),
    ("MISMATCH", "不一致", "Mismatch"),
    ("APPROVE", "承認", "Approve"),
    ("REJECT", "却下", "Reject"),
    ("ONLINE", "オンライン", "Online"),
    ("PAPER", "紙", "Paper"),
    ("PAID", "納付済み", "Paid"),
    ("REFUND_REQUESTED", "還付手続中", "Refund requested"),
    ("REFUNDED", "還付済み", "Refunded"),
    ("PENDING", "未納", "Pending"),
    ("DECLINED", "決済失敗", "Declined"),
    ("NOT_REQUIRED", "不要", "Not required"),
    ("back_to_queue", "キューに戻る", "Back to the queue"),
    ("particulars", "申請内容", "Particulars"),
    ("family_name", "氏", "Family name"),
    ("given_name", "名", "Given name"),
    ("family_name_kana", "氏（カナ）", "Family name (kana)"),
    ("given_name_kana", "名（カナ）", "Given name (kana)"),
    ("date_of_birth", "生年月日", "Date of birth"),
    ("address", "住所", "Address"),
    ("registered_domicile", "本籍", "Registered domicile"),
    ("nationality", "国籍", "Nationality"),
    ("email", "メールアドレス", "Email"),
    ("exam_pass_number", "合格証書番号", "Exam pass number"),
    ("my_number", "個人番号（マイナンバー）", "My Number"),
    ("my_number_help", "保管庫に暗号化して保存され、画面・記録には表示されません。", "Stored encrypted in the vault; never shown or logged."),
    ("registration_number", "登録番号", "Registration number"),
    ("registration", "登録", "Registration"),
    ("channel", "受付方法", "Channel"),
    ("changes", "変更内容", "Changes"),
    ("reason", "理由", "Reason"),
    ("filed_by", "届出者", "Filed by"),
    ("inquiry", "住基・戸籍照会", "Register inquiry"),
    ("inquiry_none", "まだ回答はありません。", "No answer yet."),
    ("differences", "相違点", "Differences"),
    ("payment", "手数料", "Payment"),
    ("fee", "金額", "Fee"),
    ("yen", "円", "yen"),
    ("timeline", "経過", "Timeline"),
    ("attachments", "添付書類", "Attachments"),
    ("no_attachments", "添付書類はありません。", "No attachments."),
    ("view", "表示", "View"),
    ("open_request", "補正の求め", "Open information request"),
    ("proposal", "決裁案", "Pending proposal"),
    ("proposed_by", "起案者", "Proposed by"),
    ("note", "備考", "Note"),
    ("applicant_name", "氏名", "Name"),
    ("actions", "操作", "Actions"),
    ("no_actions", "この案件であなたが行える操作はありません。", "There is nothing you can do on this case."),
    ("claim", "担当する", "Claim"),
    ("request_information", "補正を求める", "Request information"),
    ("message", "本文", "Message"),
    ("propose_decision", "決裁を起案する", "Propose decision"),
    ("outcome", "結論", "Outcome"),
    ("reason_code", "理由コード", "Reason code"),
    ("none", "なし", "None"),
    ("approve_decision", "決裁を承認する", "Approve decision"),
    ("reassign", "担当を替える", "Reassign"),
    ("examiner_id", "審査官ID", "Examiner id"),
    ("record_response", "郵送の回答を記録", "Record response"),
    ("record_withdrawal", "書面の取下げを記録", "Record withdrawal"),
    ("record_payment", "紙による納付を記録", "Record payment"),
    ("received_on", "受付日", "Date received"),
    ("attachment_ids", "アップロード済み書類のID（任意・カンマ区切り）", "Ids of documents already uploaded (optional, comma-separated)"),
    ("scan", "スキャン書類（PDF・JPEG・PNG）", "Scanned document (PDF, JPEG, PNG)"),
    ("receipt_reference", "受領番号（収入印紙・振込）", "Receipt reference (stamps or transfer)"),
    ("amount", "金額（円）", "Amount (yen)"),
    ("done", "完了しました。", "Done."),
    ("stale", "このページを開いた後に、他の人がこの案件を更新しました。最新の内容を表示しています。確認してからやり直してください。", "Someone else changed this case after you opened the page. The current state is shown below; check it and try again."),
    ("busy", "同時に他の操作が行われました。もう一度お試しください。", "Another action happened at the same moment. Please try again."),
    ("invalid_input", "入力内容を確認してください。", "Please check what you entered."),
    ("entered", "入力しました。", "Entered."),
    ("submit_entry", "入力する", "Enter"),
    ("registration_id", "登録ID（UUID）", "Registration id (UUID)"),
    ("kind", "届出の種類", "Kind of request"),
    ("deletion_reason", "消除の理由", "Reason for deletion"),
    ("endorsement", "付記事項", "Endorsement"),
    ("endorsement_action", "付記事項の追加・削除の別", "Add or remove"),
    ("HOLDER_REQUEST", "本人の申出", "Holder's request"),
    ("DEATH", "死亡", "Death"),
    ("DISAPPEARANCE", "失踪宣告", "Declaration of disappearance"),
    ("date_of_death", "死亡日", "Date of death"),
    ("notifier_relationship", "届出人の続柄", "Notifier's relationship"),
    ("field_errors", "次の項目に誤りがあります", "These fields need attention"),
    ("not_found", "案件が見つかりません。", "No such case."),
    ("skip_to_content", "本文へ移動", "Skip to content"),
    ("ApplicationSubmitted", "申請受付", "Application submitted"),
    ("FeeAssessed", "手数料決定", "Fee assessed"),
    ("PaymentSettled", "納付確認", "Payment settled"),
    ("CheckoutOpened", "納付案内", "Checkout opened"),
    ("CheckoutExpired", "納付期限切れ", "Checkout expired"),
    ("PaymentMismatchFlagged", "納付額不一致", "Payment amount mismatch"),
    ("RefundRequested", "還付請求", "Refund requested"),
    ("RefundIssued", "還付済み", "Refund issued"),
    ("PaymentDeclined", "決済失敗", "Payment declined"),
    ("RegistryInquiryAnswered", "照会回答", "Register inquiry answered"),
    ("ExaminerAssigned", "担当割当", "Examiner assigned"),
    ("InformationRequested", "補正の求め", "Information requested"),
    ("ApplicantResponded", "申請者の回答", "Applicant responded"),
    ("DecisionProposed", "決裁起案", "Decision proposed"),
    ("DecisionApproved", "決裁承認", "Decision approved"),
    ("ProposalReturned", "起案の差戻し", "Proposal returned to the proposer"),
    ("return_proposal", "起案者に差し戻す", "Return to the proposer"),
    ("return_reason", "差戻しの理由", "Why it goes back"),
    ("ApplicationRejected", "却下", "Application rejected"),
    ("ApplicationWithdrawn", "取下げ", "Application withdrawn"),
    ("Registered", "登録", "Registered"),
    ("ChangeRequested", "変更届受付", "Change requested"),
    ("ChangeApplied", "変更反映", "Change applied"),
    ("ChangeFailed", "変更不能", "Change failed"),
    ("ChangeRequestFiled", "変更届", "Change request filed"),
    ("RegisteredMattersChanged", "登録事項変更", "Registered matters changed"),
    ("CertificateReissueRequested", "再交付", "Certificate re-issue requested"),
    ("CertificateIssued", "証明書発行", "Certificate issued"),
    ("EndorsementAdded", "付記事項の追加", "Endorsement added"),
    ("EndorsementRemoved", "付記事項の削除", "Endorsement removed"),
    ("RegistrationDeleted", "登録消除", "Registration deleted"),
    ("ChangeRequestClosed", "変更届終了", "Change request closed"),
    ("RegistrationImported", "紙台帳から移行", "Imported from the paper register"),
    ("HolderLinked", "マイナンバー連携", "Holder linked"),
    ("HolderLinkDisputed", "連携への異議申出", "Link disputed"),
    ("LinkDisputeResolved", "連携への異議の処理", "Link dispute resolved"),
    ("by_post", "紙で受付", "received on paper"),
    ("choose", "選択してください", "Choose"),
    ("change_requests", "この登録への変更届", "Change requests for this registration"),
    ("qualification_code", "資格", "Qualification"),
    // Field errors of the API's validation, by their stable codes (English
    // pages show the API's own detail, which names limits).
    ("field.REQUIRED", "入力してください。", "Required."),
    ("field.TOO_LONG", "長すぎます。", "Too long."),
    ("field.INVALID", "形式が正しくありません。", "Invalid."),
    ("field.INVALID_FORMAT", "12桁の数字で入力してください。", "Must be 12 digits."),
    ("field.INVALID_CHECK_DIGIT", "検査用数字が一致しません。番号を確認してください。", "The check digit does not match."),
    ("field.NOT_KATAKANA", "全角カタカナで入力してください（長音「ー」と中点「・」も使えます）。", "Full-width katakana only (ー and ・ allowed)."),
    ("field.INVALID_DATE", "日付を YYYY-MM-DD の形で入力してください。", "Enter a date as YYYY-MM-DD."),
    ("field.IN_FUTURE", "未来の日付は入力できません。", "Cannot be in the future."),
    ("field.OUT_OF_RANGE", "範囲外の値です。", "Out of range."),
    ("field.UNKNOWN_QUALIFICATION", "資格を選択してください。", "Choose a qualification."),
    ("field.UNKNOWN_VALUE", "選択肢から選んでください。", "Choose one of the options."),
    ("field.NOT_APPLICABLE", "日本国籍でない方には本籍（戸籍）がありません。", "Not a Japanese national: there is no registered domicile (no family register)."),
    ("field.NOT_ALLOWED", "この種類の届出では入力できない項目です。", "Not allowed for this kind of request."),
    ("field.NOT_FOUND", "該当する登録がありません。", "No such registration."),
    // Domain refusals, by their stable codes.
    ("NOT_FOUND", "案件が見つかりません。", "The case does not exist."),
    ("NOT_AWAITING_PAYMENT", "この案件は手数料の納付待ちではありません。", "This case is not awaiting payment."),
    ("NOT_UNDER_EXAMINATION", "この案件は審査中ではありません。", "This case is not under examination."),
    ("NOT_ACTION_REQUIRED", "申請者の回答を待っている案件ではありません。", "This case is not waiting for the applicant's response."),
    ("ALREADY_DECIDED", "この案件はすでに結論が出ています。", "This case has already been decided."),
    ("CASE_NOT_ASSIGNED", "先に担当者を決めてください。", "The case must be claimed by an examiner first."),
    ("NOT_ASSIGNED_EXAMINER", "この操作は担当審査官だけが行えます。", "Only the assigned examiner may do this."),
    ("ALREADY_ASSIGNED", "この案件は他の審査官が担当しています。", "Another examiner already has this case."),
    ("ASSIGN_OTHERS_FORBIDDEN", "審査官は自分にのみ割り当てられます。他の人への割当は上席審査官が行います。", "Examiners may only claim cases for themselves; a senior examiner reassigns."),
    ("PROPOSAL_PENDING", "承認待ちの決裁案があります。", "A decision proposal is already waiting for approval."),
    ("NO_PROPOSAL", "承認する決裁案がありません。", "There is no proposal to approve."),
    ("FOUR_EYES_REQUIRED", "起案者本人は承認できません。別の上席審査官が承認します（ダブルチェック）。", "You proposed this decision, so you cannot approve it: another senior examiner must (four eyes)."),
    ("WRONG_ROLE", "あなたの役割ではこの操作はできません。", "Your role may not do this."),
    ("REASON_REQUIRED", "却下には理由コードが必要です。", "A rejection needs a reason code."),
    ("ATTACHMENT_REQUIRED", "戸籍謄本（抄本）のスキャンを添付してください。", "Attach the family-register extract to answer this request."),
    ("NOT_A_PAPER_CASE", "オンラインの案件です。郵送・紙の記録はできません。", "This is an online case: paper records are for paper cases only."),
    ("PAYMENT_AMOUNT_MISMATCH", "金額が決定した手数料と一致しません。", "The amount differs from the fee assessed."),
    ("RECEIVED_IN_FUTURE", "受付日に未来の日付は指定できません。", "The date received cannot be in the future."),
    ("NOT_REGISTERED", "この登録はまだ登録簿にありません。", "The registration is not on the register."),
    ("REGISTRATION_DELETED", "この登録は消除されています。", "The registration was deleted."),
    ("CHANGE_REQUEST_OPEN", "同じ種類の変更届が処理中です。", "A change request of this kind is already open."),
    ("PROCEDURE_NOT_OFFERED", "この資格ではこの手続を扱っていません。", "This qualification does not offer this procedure."),
    ("PROCEDURE_NOT_YET_ONLINE", "この手続はまだオンラインで受け付けていません。書面で申請してください。", "This procedure is not yet offered online: apply on paper."),
    ("UNKNOWN_ENDORSEMENT", "この資格にはその付記事項がありません。", "The qualification defines no such endorsement."),
    ("ENDORSEMENT_ALREADY_HELD", "この登録にはその付記事項がすでにあります。", "The registration already carries this endorsement."),
    ("ENDORSEMENT_NOT_HELD", "この登録にはその付記事項がありません。", "The registration does not carry this endorsement."),
    ("FEE_UNKNOWN", "この手続の手数料が未設定のため、申請を受け付けられません。", "The fee of this procedure is not set yet, so it cannot be applied for."),
    ("FLAG_NOT_CLEARED", "未解除の注意事項があります。理由を記録して解除してから承認してください。", "A flag is open: clear it with a reason before approving."),
    ("FLAG_NOT_RAISED", "この注意事項はありません。", "The case has no such flag."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique() {
        for (i, (k, _, _)) in WORDS.iter().enumerate() {
            assert!(
                WORDS[i + 1..].iter().all(|(other, _, _)| other != k),
                "{k} twice"
            );
        }
    }
}
