//! A link made without an identity the provider verified (development only)
//! is held until the holder enters a one-time code the office sent by post
//! to the address on the register: someone who knows only what the
//! certificate says does not receive the holder's post.
//!
//! The code is 12 characters (60 bits) from an alphabet without look-alikes,
//! kept only as SHA-256 over the pending link's id and the code, valid for
//! [`CODE_DAYS`] days and [`CODE_ATTEMPTS`] wrong entries; it is never logged
//! and never answered. At most [`LETTERS_PER_DAY`] letters go to one
//! registration a day, so the office's post cannot be run up.

use chrono::{DateTime, Duration, Utc};
use domain::registration::QualificationRegistration;
use eventstore::Appending;
use rand::Rng;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::super::{Context, Error, Handled, UseCases};

/// Days a code stays valid (a letter takes days to arrive).
pub const CODE_DAYS: i64 = 14;
/// Wrong codes a pending link takes before it is void.
pub const CODE_ATTEMPTS: i32 = 5;
/// Letters one registration is sent within 24 hours.
pub const LETTERS_PER_DAY: i64 = 3;

/// Letters without look-alikes (no I, O, 0, 1).
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const CODE_LENGTH: usize = 12;

/// A link waiting for its code.
#[derive(Debug, Clone)]
pub struct PendingLink {
    pub id: Uuid,
    /// The registration it links (told only to whoever enters the code).
    pub registration_id: Uuid,
    pub expires_at: DateTime<Utc>,
}

/// A fresh code, grouped in fours as printed (`ABCD-EFGH-JKLM`).
fn new_code() -> String {
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..CODE_LENGTH)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The code as stored: what was typed, without grouping, blanks or case.
fn code_hash(id: Uuid, code: &str) -> Vec<u8> {
    let normalized: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect();
    let mut hash = Sha256::new();
    hash.update(id.as_bytes());
    hash.update(normalized.as_bytes());
    hash.finalize().to_vec()
}

/// The letter: to the holder at the address on the register.
fn letter(reg: &QualificationRegistration, code: &str, expires_at: DateTime<Utc>) -> String {
    let (name, address) = reg
        .applicant
        .as_ref()
        .map(|a| {
            (
                format!("{} {}", a.family_name, a.given_name),
                a.address.clone(),
            )
        })
        .unwrap_or_default();
    let number = reg.registration_number.clone().unwrap_or_default();
    // The holder reads the time in Japan (UTC+9 all year, as
    // `domain::calendar`), to the minute the code stops working.
    let until = (expires_at + Duration::hours(9)).format("%Y-%m-%d %H:%M JST");
    format!(
        "〒 {address}\n{name} 様\n\n\
         資格登録の初期設定（オンラインでの利用登録）の確認コード\n\
         Confirmation code for linking your registration online\n\n\
         資格 / Qualification: {qualification}\n\
         登録番号 / Registration number: {number}\n\n\
         確認コード / Code: {code}\n\
         有効期限 / Valid until: {until}\n\n\
         お心当たりがない場合は、このコードを使わず資格登録事務局にご連絡ください。\n\
         If you did not ask for this, do not use the code and tell the office.\n\
         資格登録事務局 / Qualification Registration Office\n",
        qualification = reg.qualification_code,
    )
}

impl UseCases<'_> {
    /// Holds the link of registration `id` for the caller and posts the code.
    /// The caller's link still waiting for its code is answered again (no
    /// second letter).
    pub(super) async fn hold_link(
        &self,
        context: &Context,
        id: Uuid,
        reg: &QualificationRegistration,
        my_number_ref: Uuid,
        at: DateTime<Utc>,
    ) -> Result<PendingLink, Error> {
        let mut tx = self.pool.begin().await?;
        // One letter decision at a time per registration.
        sqlx::query_scalar!(
            r#"SELECT 1 AS "locked!" FROM pg_advisory_xact_lock(7103, hashtext($1))"#,
            id.to_string()
        )
        .fetch_one(&mut *tx)
        .await?;
        let waiting = sqlx::query!(
            "SELECT id, expires_at FROM pending_links
             WHERE registration_id = $1 AND owner = $2 AND expires_at > $3::timestamptz
               AND attempts < $4::integer",
            id,
            context.actor.id,
            at,
            CODE_ATTEMPTS,
        )
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(w) = waiting {
            return Ok(PendingLink {
                id: w.id,
                registration_id: id,
                expires_at: w.expires_at,
            });
        }
        let recent = sqlx::query!(
            r#"SELECT count(*) AS "sent!",
                      extract(epoch FROM min(created_at) + interval '1 day' - $2::timestamptz)::bigint AS wait
               FROM pending_links
               WHERE registration_id = $1 AND created_at > $2::timestamptz - interval '1 day'"#,
            id,
            at,
        )
        .fetch_one(&mut *tx)
        .await?;
        if recent.sent >= LETTERS_PER_DAY {
            let wait = recent.wait.unwrap_or(86_400).max(1) as u64;
            return Err(Error::TooManyLetters(wait));
        }
        let pending = PendingLink {
            id: Uuid::new_v4(),
            registration_id: id,
            expires_at: at + Duration::days(CODE_DAYS),
        };
        let code = new_code();
        sqlx::query!(
            "INSERT INTO pending_links
               (id, registration_id, owner, my_number_ref, code_hash, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            pending.id,
            id,
            context.actor.id,
            my_number_ref,
            code_hash(pending.id, &code),
            at,
            pending.expires_at,
        )
        .execute(&mut *tx)
        .await?;
        // Posted before the row commits: a letter that could not be written
        // leaves no link waiting for it.
        self.letters
            .send(pending.id, &letter(reg, &code, pending.expires_at))
            .map_err(|e| Error::Letter(e.to_string()))?;
        tx.commit().await?;
        Ok(pending)
    }

    /// Completes the caller's pending link `id` with the code from the
    /// letter. A wrong code counts; the last allowed wrong code, or an
    /// expired link, voids it ([`Error::LinkExpired`]).
    pub async fn confirm_link(
        &self,
        context: &Context,
        id: Uuid,
        code: &str,
        at: DateTime<Utc>,
    ) -> Result<Handled<QualificationRegistration>, Error> {
        let mut tx = Appending::begin(self.pool).await?;
        let row = sqlx::query!(
            "SELECT registration_id, my_number_ref, code_hash, attempts, expires_at
             FROM pending_links WHERE id = $1 AND owner = $2 FOR UPDATE",
            id,
            context.actor.id,
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotFound)?;
        if row.expires_at <= at || row.attempts >= CODE_ATTEMPTS {
            return Err(Error::LinkExpired);
        }
        if row.code_hash != code_hash(id, code) {
            sqlx::query!(
                "UPDATE pending_links SET attempts = attempts + 1 WHERE id = $1",
                id
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Err(if row.attempts + 1 >= CODE_ATTEMPTS {
                Error::LinkExpired
            } else {
                Error::LinkCodeWrong
            });
        }
        // The number may have been shredded while the letter was on its way
        // (every case holding it ended): the holder links again.
        if adapters::vault::lock(&mut tx, row.my_number_ref).await? != Some(true) {
            return Err(Error::LinkExpired);
        }
        let (mut tx, linked) = self
            .link_in(tx, context, row.registration_id, row.my_number_ref)
            .await?;
        // Used up: every pending link of this registration ends with the link.
        sqlx::query!(
            "DELETE FROM pending_links WHERE registration_id = $1",
            row.registration_id
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(linked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_twelve_unambiguous_characters_and_typed_loosely() {
        let code = new_code();
        assert_eq!(code.len(), 14);
        assert!(code.replace('-', "").bytes().all(|b| ALPHABET.contains(&b)));
        let id = Uuid::new_v4();
        let typed = code.replace('-', " ").to_lowercase();
        assert_eq!(code_hash(id, &code), code_hash(id, &typed));
        assert_ne!(code_hash(id, &code), code_hash(Uuid::new_v4(), &code));
        assert_ne!(new_code(), new_code());
    }
}
