//! The body of a change request; its validation is the use case's
//! ([`crate::application::ChangeInput`]).

use chrono::NaiveDate;
use domain::change_request::MatterChanges;
use domain::registration::Channel;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::application::{ChangeInput, EndorsementInput};
use crate::registration::ChannelInput;

/// New values of registered matters, named like the registration's fields.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangesInput {
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name_kana: Option<String>,
    pub given_name_kana: Option<String>,
    pub address: Option<String>,
    pub registered_domicile: Option<String>,
    /// ENDORSEMENT only: the code of an endorsement the registration's
    /// qualification defines (`GET /v1/qualifications`).
    #[schema(example = "SUCTION_AND_TUBE_FEEDING")]
    pub endorsement_code: Option<String>,
    /// ENDORSEMENT only: `ADD` or `REMOVE`.
    #[schema(example = "ADD")]
    pub action: Option<String>,
}

/// A change request against a registration.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChangeRequest {
    /// What the request asks for.
    #[schema(value_type = crate::case::ChangeKind, example = "CHANGE_NAME")]
    pub kind: String,
    #[serde(default)]
    pub changes: ChangesInput,
    /// For DELETE_REGISTRATION: HOLDER_REQUEST, DEATH or DISAPPEARANCE (a
    /// declaration of disappearance, evidenced and examined as a death).
    /// Otherwise a free-text note.
    pub reason: Option<String>,
    /// Uploaded documents (a death certificate for a death notification;
    /// the renewal training's certificate for a RENEWAL, where it is required;
    /// for adding an endorsement, the document its catalogue entry names).
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
    /// Required for a death notification.
    pub date_of_death: Option<NaiveDate>,
    /// Required for a death notification, e.g. "child".
    pub notifier_relationship: Option<String>,
    /// ONLINE (default) or PAPER (entered by an examiner).
    pub channel: Option<ChannelInput>,
    /// Where notices about this request go; defaults to the registration's email.
    /// A relative notifying a death gives their own (without it they see notices
    /// only in their inbox: the deceased is never written to).
    pub email: Option<String>,
    /// The language of the notices, `ja` or `en`; defaults to the registration's.
    #[schema(example = "ja")]
    pub preferred_language: Option<String>,
}

impl NewChangeRequest {
    /// The request this body makes, on its channel (ONLINE by default).
    pub fn into_change(self) -> ChangeInput {
        let c = self.changes;
        ChangeInput {
            kind: self.kind,
            changes: MatterChanges {
                family_name: c.family_name,
                given_name: c.given_name,
                family_name_kana: c.family_name_kana,
                given_name_kana: c.given_name_kana,
                address: c.address,
                registered_domicile: c.registered_domicile,
            },
            reason: self.reason,
            attachment_ids: self.attachment_ids,
            date_of_death: self.date_of_death,
            notifier_relationship: self.notifier_relationship,
            channel: match self.channel {
                Some(ChannelInput::Paper) => Channel::Paper,
                Some(ChannelInput::Online) | None => Channel::Online,
            },
            email: self.email,
            preferred_language: self.preferred_language,
            endorsement: EndorsementInput {
                code: c.endorsement_code,
                action: c.action,
            },
        }
    }
}
