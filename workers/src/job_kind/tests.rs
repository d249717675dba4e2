//! Every kind's jobs as they were before kinds were types: jobs already in a
//! database must still decode, and new ones must be stored as before.

use std::fmt::Debug;
use std::sync::Mutex;

use domain::CaseKind;
use serde_json::{json, Value};
use uuid::Uuid;

use super::*;
use crate::cases::CaseRef;
use crate::certificate::IssueCertificate;
use crate::inquiry::Inquire;
use crate::notification::{MailBatch, MailNotice};
use crate::payment::checkout_batch::{CheckoutBatch, QueuedCheckout};
use crate::payment::jobs::{OpenCheckout, Refund};
use crate::payment::reconcile::Reconcile;
use crate::payment::stripe_events::ActOnStripeEvent;
use crate::webhook::delivery::DeliverWebhook;

/// `args` makes the job the old code enqueued, and that job's payload
/// decodes back to `args`.
fn as_before<A: JobArgs + PartialEq + Debug>(
    args: A,
    key: &str,
    (kind, attempts): (&str, i32),
    payload: Value,
) {
    let job = args.job(key).unwrap();
    assert_eq!(job.kind, kind);
    assert_eq!(job.dedupe_key, key);
    assert_eq!(job.max_attempts, attempts, "{kind}");
    assert_eq!(job.run_at, None);
    assert_eq!(job.payload, payload, "{kind}");
    assert_eq!(decode::<A>(&payload).unwrap(), args, "{kind}");
}

fn case() -> CaseRef {
    CaseRef {
        case_type: CaseKind::ChangeRequest,
        case_id: "c-1".into(),
    }
}

#[test]
fn case_jobs_are_stored_as_before() {
    let payload = json!({"case_type": "change_request", "case_id": "c-1"});
    let inquiry = Inquire { case: case() };
    as_before(inquiry, "c-1:4", ("registry.inquiry", 20), payload.clone());
    let checkout = OpenCheckout { case: case() };
    as_before(checkout, "c-1:5", ("payment.checkout", 10), payload.clone());
    // Checkouts are queued in batches, each case with its own job's key.
    let batch = CheckoutBatch {
        checkouts: vec![QueuedCheckout {
            case: case(),
            key: "c-1:5".into(),
        }],
    };
    let batch_payload = json!({"checkouts": [{"case_type": "change_request", "case_id": "c-1",
                                              "key": "c-1:5"}]});
    as_before(batch, "c-1:5+1", ("payment.checkouts", 10), batch_payload);
    let refund = Refund { case: case() };
    as_before(refund, "c-1:9", ("payment.refund", 20), payload);
}

#[test]
fn stripe_jobs_are_stored_as_before() {
    let event = ActOnStripeEvent {
        event_id: "evt_1".into(),
    };
    let payload = json!({"event_id": "evt_1"});
    as_before(event, "evt_1", ("stripe.event", 10), payload);
    as_before(Reconcile {}, "1234", ("stripe.reconcile", 3), json!({}));
}

#[test]
fn certificate_mail_and_webhook_jobs_are_stored_as_before() {
    let id = Uuid::new_v4();
    let payload = json!({"registration_id": id.to_string()});
    let issue = IssueCertificate {
        registration_id: id,
    };
    as_before(issue, "r:7", ("certificate.issue", 10), payload);
    let mail = MailNotice::whole("<m@x>".into(), "a@example.jp", "ja", "件名", "本文");
    let payload = json!({"message_id": "<m@x>", "to": "a@example.jp", "language": "ja",
                         "subject": "件名", "body": "本文"});
    as_before(mail, "<m@x>", ("notification.mail", 16), payload);
    // A notice's mail carries only its Message-ID: the text is in the inbox.
    let payload = json!({"message_id": "<m@x>"});
    as_before(
        MailNotice::of("<m@x>".into()),
        "<m@x>",
        ("notification.mail", 16),
        payload,
    );
    // The inbox's notices are mailed in batches, keyed by the first and the count.
    let batch = MailBatch {
        message_ids: vec!["<m@x>".into(), "<n@x>".into()],
    };
    assert_eq!(batch.key(), "<m@x>+2");
    let payload = json!({"message_ids": ["<m@x>", "<n@x>"]});
    as_before(batch, "<m@x>+2", ("notification.mails", 16), payload);
    let payload = json!({"delivery_id": id.to_string()});
    let delivery = DeliverWebhook { delivery_id: id };
    let key = id.to_string();
    as_before(delivery, &key, ("webhook.delivery", 10_000), payload);
}

/// Remembers the arguments it was given.
#[derive(Default)]
struct Recorder(Mutex<Vec<Inquire>>);

#[async_trait]
impl Work for Recorder {
    type Args = Inquire;

    async fn work(&self, args: Inquire, _job: &Job) -> Result<(), JobError> {
        self.0.lock().unwrap().push(args);
        Ok(())
    }
}

fn job(payload: Value) -> Job {
    Job {
        id: 1,
        kind: Inquire::KIND.into(),
        dedupe_key: "c-1:4".into(),
        payload,
        attempts: 1,
        max_attempts: Inquire::MAX_ATTEMPTS,
    }
}

#[tokio::test]
async fn a_handler_gets_decoded_args_and_a_bad_payload_is_permanent() {
    let recorder = Recorder::default();
    let handler: &dyn JobHandler = &recorder;
    assert_eq!(handler.kind(), "registry.inquiry");
    let good = json!({"case_type": "change_request", "case_id": "c-1"});
    handler.run(&job(good)).await.unwrap();
    assert_eq!(*recorder.0.lock().unwrap(), vec![Inquire { case: case() }]);
    let bad = json!({"case_type": "renewal", "case_id": "c-1"});
    match handler.run(&job(bad)).await {
        Err(JobError::Permanent(e)) => assert!(e.starts_with("bad payload: "), "{e}"),
        other => panic!("expected a permanent failure, got {other:?}"),
    }
    assert_eq!(recorder.0.lock().unwrap().len(), 1);
}
