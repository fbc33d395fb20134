//! Conversations worth a look: a short, bounded list of conversation ids per reason, so a
//! report can point at the transcripts behind its numbers.
//!
//! Three lists, each at most [`LIST_LIMIT`] long, over all conversations (not per segment):
//! - `most_effort`: the highest customer effort index (thousandths of a point);
//! - `failed_solution`: conversations where the customer said the solution failed, by the
//!   number of failure statements;
//! - `repeated_ids_after_handoff`: conversations where the customer gave an identifier
//!   again after a hand-off, by the number of such repetitions.
//!
//! Order: score descending, then conversation id ascending. An entry holds the id, the
//! channel and the score; never an identifier value, a customer id or message text, nor
//! the file it was read from (which depends on how the input was split into shards).
//!
//! Invariants: a list is the top [`LIST_LIMIT`] of the set of distinct entries seen, in a
//! total order, so merging two lists (union, sort, drop equal neighbours, truncate) is
//! associative and commutative: partials merged in any order (`cxmine merge`) give the
//! same list as one run over all the input.

use serde::{Deserialize, Serialize};

use crate::metrics::ConversationFacts;
use crate::report::schema::{NotableEntry, WorthALook};

/// Longest list kept per reason.
pub const LIST_LIMIT: usize = 10;

/// Score descending, id ascending, channel ascending.
fn rank_cmp(a: &NotableEntry, b: &NotableEntry) -> std::cmp::Ordering {
    b.score
        .total_cmp(&a.score)
        .then_with(|| a.id.cmp(&b.id))
        .then_with(|| a.channel.as_str().cmp(b.channel.as_str()))
}

/// A top-[`LIST_LIMIT`] list in rank order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TopList(Vec<NotableEntry>);

impl TopList {
    /// The entries, best first.
    pub fn entries(&self) -> &[NotableEntry] {
        &self.0
    }

    /// Whether an entry with `score` and `id` could enter the list (cheap: no allocation).
    fn admits(&self, score: f64, id: &str) -> bool {
        match self.0.get(LIST_LIMIT - 1) {
            None => true,
            Some(last) => score > last.score || (score == last.score && id <= last.id.as_str()),
        }
    }

    /// Offers an entry built on demand.
    fn offer(&mut self, score: f64, id: &str, entry: impl FnOnce() -> NotableEntry) {
        if !self.admits(score, id) {
            return;
        }
        let e = entry();
        match self.0.binary_search_by(|x| rank_cmp(x, &e)) {
            Ok(_) => {}
            Err(at) => {
                self.0.insert(at, e);
                self.0.truncate(LIST_LIMIT);
            }
        }
    }

    /// Union with another list, keeping the top [`LIST_LIMIT`] distinct entries.
    fn merge(&mut self, other: TopList) {
        self.0.extend(other.0);
        self.0.sort_by(rank_cmp);
        self.0.dedup();
        self.0.truncate(LIST_LIMIT);
    }
}

/// Mergeable lists of conversations worth a look ([`Notable::report`] gives the view).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notable {
    /// Longest list kept ([`LIST_LIMIT`]).
    #[serde(default = "list_limit")]
    pub limit: usize,
    /// Highest effort index first; score = the index (0–100, three decimals).
    #[serde(default)]
    pub most_effort: TopList,
    /// Solution reported not to work; score = the customer's failure statements.
    #[serde(default)]
    pub failed_solution: TopList,
    /// Identifiers given again after a hand-off; score = how many times.
    #[serde(default)]
    pub repeated_ids_after_handoff: TopList,
}

fn list_limit() -> usize {
    LIST_LIMIT
}

impl Default for Notable {
    /// Empty lists.
    fn default() -> Notable {
        Notable {
            limit: LIST_LIMIT,
            most_effort: TopList::default(),
            failed_solution: TopList::default(),
            repeated_ids_after_handoff: TopList::default(),
        }
    }
}

impl Notable {
    /// The report view of the lists.
    pub fn report(&self) -> WorthALook {
        WorthALook {
            limit: self.limit,
            most_effort: self.most_effort.0.clone(),
            failed_solution: self.failed_solution.0.clone(),
            repeated_ids_after_handoff: self.repeated_ids_after_handoff.0.clone(),
        }
    }

    /// Considers one conversation.
    pub fn consider(&mut self, f: &ConversationFacts) {
        let entry = |score: f64| {
            move || NotableEntry {
                id: f.id.clone(),
                channel: f.channel,
                score,
            }
        };
        if let Some(e) = f.cx.effort.as_ref().filter(|e| e.index.is_finite()) {
            let score = (e.index * 1000.0).round() / 1000.0;
            self.most_effort.offer(score, &f.id, entry(score));
        }
        if f.cx.failed == Some(true) {
            let score = f64::from(f.signals.ack_failure);
            self.failed_solution.offer(score, &f.id, entry(score));
        }
        let repeated = f.signals.repeated_ids_after_handoff;
        if repeated > 0 {
            let score = f64::from(repeated);
            self.repeated_ids_after_handoff
                .offer(score, &f.id, entry(score));
        }
    }

    /// Adds another partial's lists (associative, commutative).
    pub fn merge(&mut self, other: Notable) {
        self.most_effort.merge(other.most_effort);
        self.failed_solution.merge(other.failed_solution);
        self.repeated_ids_after_handoff
            .merge(other.repeated_ids_after_handoff);
    }

    /// The three lists with their names, in report order.
    pub fn lists(&self) -> [(&'static str, &TopList); 3] {
        [
            ("most_effort", &self.most_effort),
            ("failed_solution", &self.failed_solution),
            (
                "repeated_ids_after_handoff",
                &self.repeated_ids_after_handoff,
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Channel;

    fn entry(id: &str, score: f64) -> NotableEntry {
        NotableEntry {
            id: id.to_owned(),
            channel: Channel::Chat,
            score,
        }
    }

    fn list_of(items: &[(&str, f64)]) -> TopList {
        let mut l = TopList::default();
        for &(id, s) in items {
            l.offer(s, id, || entry(id, s));
        }
        l
    }

    fn ids(l: &TopList) -> Vec<&str> {
        l.entries().iter().map(|e| e.id.as_str()).collect()
    }

    #[test]
    fn keeps_the_top_by_score_then_id() {
        // 12 entries: scores 0..=11 under ids z00..z11, plus a tie at 11 under "a".
        let mut items: Vec<(String, f64)> = (0..12)
            .map(|i| (format!("z{i:02}"), f64::from(i)))
            .collect();
        items.push(("a".to_owned(), 11.0));
        let mut l = TopList::default();
        for (id, s) in &items {
            l.offer(*s, id, || entry(id, *s));
        }
        // Top 10: 11 (a before z11), 11, 10, 9, …, 3; scores 2, 1, 0 drop out.
        assert_eq!(
            ids(&l),
            [
                "a", "z11", "z10", "z09", "z08", "z07", "z06", "z05", "z04", "z03"
            ]
        );
    }

    #[test]
    fn an_entry_offered_twice_is_kept_once() {
        let l = list_of(&[("c1", 5.0), ("c1", 5.0), ("c2", 5.0)]);
        assert_eq!(ids(&l), ["c1", "c2"]);
    }

    #[test]
    fn merge_in_any_order_equals_one_pass() {
        let a = vec![
            ("a1", 3.0),
            ("a2", 9.0),
            ("a3", 9.0),
            ("a4", 1.0),
            ("a5", 7.0),
        ];
        let b = vec![
            ("b1", 9.0),
            ("b2", 2.0),
            ("b3", 8.0),
            ("b4", 8.0),
            ("b5", 0.0),
        ];
        let c = vec![("c1", 6.0), ("c2", 9.0), ("c3", 4.0), ("a2", 9.0)];
        let all: Vec<(&str, f64)> = a.iter().chain(&b).chain(&c).copied().collect();
        let one_pass = list_of(&all);
        let mut abc = list_of(&a);
        abc.merge(list_of(&b));
        abc.merge(list_of(&c));
        let mut cba = list_of(&c);
        let mut ba = list_of(&b);
        ba.merge(list_of(&a));
        cba.merge(ba);
        assert_eq!(abc, one_pass);
        assert_eq!(cba, one_pass);
        // 9: a2 a3 b1 c2 (a2 once), 8: b3 b4, 7: a5, 6: c1, 4: c3, 3: a1.
        assert_eq!(
            ids(&one_pass),
            ["a2", "a3", "b1", "c2", "b3", "b4", "a5", "c1", "c3", "a1"]
        );
    }

    #[test]
    fn empty_lists_serialise_as_empty_arrays() {
        let json = serde_json::to_value(Notable::default()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"limit": 10, "most_effort": [], "failed_solution": [],
                               "repeated_ids_after_handoff": []})
        );
    }
}
