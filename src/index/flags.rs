//! The flag vocabulary: which `/flag/...` paths a conversation carries, derived only from
//! its [`ConversationFacts`] (detector [`Signals`](crate::detect::Signals) and structural
//! facts), never from the text.
//!
//! Paths are hierarchical (`rephrase/customer` under `rephrase`); a query for a parent
//! (`flag:rephrase`) matches every child. [`PARENTS`] lists the inner nodes, which the
//! facet counts walk.

use crate::detect::ShiftLabel;
use crate::metrics::ConversationFacts;

/// Inner nodes of the flag tree, root first (facet counting asks each for its children).
pub const PARENTS: [&str; 7] = [
    "",
    "rephrase",
    "repeated_id",
    "ack",
    "shift",
    "sla",
    "sla/breached",
];

/// The flag paths of one conversation (without the `/flag/` prefix), in a fixed order.
pub fn flags_of(f: &ConversationFacts) -> Vec<&'static str> {
    let s = &f.signals;
    let mut out = Vec::new();
    let mut when = |cond: bool, path: &'static str| {
        if cond {
            out.push(path);
        }
    };
    when(s.rephrase_customer > 0, "rephrase/customer");
    when(s.rephrase_agent > 0, "rephrase/agent");
    when(s.restatements > 0, "restatement");
    when(
        s.repeated_ids_before_handoff > 0,
        "repeated_id/before_handoff",
    );
    when(
        s.repeated_ids_after_handoff > 0,
        "repeated_id/after_handoff",
    );
    when(s.reverify_requests > 0, "reverify");
    when(s.handoffs > 0, "handoff");
    when(s.ack_success > 0, "ack/success");
    when(s.ack_failure > 0, "ack/failure");
    when(s.ack_thanks > 0, "ack/thanks");
    when(s.solution_used, "solution_used");
    when(s.escalating_anger, "anger");
    let shift = match s.shift {
        ShiftLabel::Unknown => None,
        ShiftLabel::Recovered => Some("shift/recovered"),
        ShiftLabel::Soured => Some("shift/soured"),
        ShiftLabel::Improved => Some("shift/improved"),
        ShiftLabel::Worsened => Some("shift/worsened"),
        ShiftLabel::Steady => Some("shift/steady"),
    };
    if let Some(p) = shift {
        out.push(p);
    }
    let mut when = |cond: bool, path: &'static str| {
        if cond {
            out.push(path);
        }
    };
    when(f.transfers > 0, "transfer");
    when(f.reopens > 0, "reopened");
    when(!f.resolved, "unresolved");
    when(f.resolved_first_contact, "first_contact_resolution");
    when(
        f.sla_first_response_met == Some(false),
        "sla/breached/first_response",
    );
    when(
        f.sla_resolution_met == Some(false),
        "sla/breached/resolution",
    );
    out
}

/// `path` and each of its ancestors (`sla`, `sla/breached`, `sla/breached/resolution`),
/// the keyword values that let `flag:sla` match any breach.
pub fn with_ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/')
        .map(move |(i, _)| &path[..i])
        .chain(std::iter::once(path))
}

/// Normalises what a user typed after `flag:` (`/flag/handoff`, `/handoff`, `Handoff`).
pub fn normalise_query_flag(s: &str) -> String {
    let s = s.trim();
    let s = s.strip_prefix("/flag/").unwrap_or(s);
    let s = s.trim_start_matches('/').trim_end_matches('/');
    s.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_come_first() {
        let all: Vec<&str> = with_ancestors("sla/breached/resolution").collect();
        assert_eq!(all, ["sla", "sla/breached", "sla/breached/resolution"]);
        assert_eq!(with_ancestors("anger").collect::<Vec<_>>(), ["anger"]);
    }

    #[test]
    fn query_flags_accept_facet_paths() {
        assert_eq!(
            normalise_query_flag("/flag/Rephrase/customer"),
            "rephrase/customer"
        );
        assert_eq!(normalise_query_flag("handoff"), "handoff");
        assert_eq!(normalise_query_flag("/handoff/"), "handoff");
    }

    #[test]
    fn every_flag_parent_is_listed() {
        let mut facts = crate::metrics::conversation_facts(
            &crate::model::Conversation::new("x", crate::model::Channel::Chat),
            &crate::config::Config::default(),
        );
        facts.signals.rephrase_customer = 1;
        facts.signals.shift = ShiftLabel::Soured;
        facts.sla_resolution_met = Some(false);
        let flags = flags_of(&facts);
        // An empty conversation is unresolved; the three set above add their paths.
        assert_eq!(
            flags,
            [
                "rephrase/customer",
                "shift/soured",
                "unresolved",
                "sla/breached/resolution"
            ]
        );
        for f in flags {
            let parent = f.rsplit_once('/').map_or("", |(p, _)| p);
            assert!(PARENTS.contains(&parent), "{parent}");
        }
    }
}
