//! Hand-offs: transfer events, a change of agent, bot → human, and hand-off phrases.
//!
//! Signals of one hand-off usually come together ("let me transfer you", then a transfer
//! event, then a new agent speaks), so they are grouped into episodes: the first signal
//! counts and opens an episode; further phrases and transfer events join it; the new
//! responder speaking (agent change or bot → human) closes it. Community members answering
//! one after another are not hand-offs.
//!
//! Agents behind a shared handle (a brand's social account) sign their replies (`^JS`,
//! `-Tom`, `*AB`): a reply signed differently from the last signed reply is a change of
//! agent; an unsigned reply is compared by author only. On social media the author is a
//! brand's handle, not an agent: two brands answering in one thread (banter, or one
//! pointing to the other) are no change of agent there, only signatures are.

use crate::model::{Event, EventKind, Role};

/// What revealed a hand-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// A hand-off phrase in a responder's message.
    Phrase,
    /// A transfer event.
    Transfer,
    /// A different agent started writing.
    AgentChange,
    /// A human agent took over from a bot.
    BotToHuman,
}

impl Cause {
    /// The detection label.
    pub fn label(self) -> &'static str {
        match self {
            Cause::Phrase => "phrase",
            Cause::Transfer => "transfer",
            Cause::AgentChange => "agent_change",
            Cause::BotToHuman => "bot_to_human",
        }
    }
}

/// Episode state over a conversation's events, in order.
#[derive(Debug, Default)]
pub struct Tracker<'e> {
    open: bool,
    last_responder: Option<Role>,
    last_agent: Option<&'e str>,
    last_signature: Option<&'e str>,
    /// Authors are brand handles (social media): only signatures name agents.
    authors_are_handles: bool,
    /// Hand-offs counted.
    pub count: u32,
    /// Event index of the first one.
    pub first: Option<u32>,
}

impl<'e> Tracker<'e> {
    /// A tracker for a conversation of `channel`.
    pub fn for_channel(channel: crate::model::Channel) -> Tracker<'e> {
        Tracker {
            authors_are_handles: channel == crate::model::Channel::Social,
            ..Tracker::default()
        }
    }

    /// The structural hand-off this event shows, if any (before counting).
    fn structural(&mut self, event: &'e Event<'_>) -> Option<Cause> {
        if event.kind == EventKind::Transfer {
            return Some(Cause::Transfer);
        }
        if event.kind != EventKind::Message || !matches!(event.role, Role::Agent | Role::Bot) {
            return None;
        }
        let previous = self.last_responder.replace(event.role);
        if event.role == Role::Bot {
            return None;
        }
        let author = event.author.as_deref();
        let before = self.last_agent;
        self.last_agent = author.or(before);
        let signed = signature(event.text.as_ref());
        let signed_before = self.last_signature;
        if signed.is_some() {
            self.last_signature = signed;
        }
        if previous == Some(Role::Bot) {
            return Some(Cause::BotToHuman);
        }
        let new_author =
            !self.authors_are_handles && matches!((before, author), (Some(a), Some(b)) if a != b);
        let new_signature = matches!(
            (signed_before, signed),
            (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b)
        );
        (new_author || new_signature).then_some(Cause::AgentChange)
    }

    /// Feeds event `index`; `phrase` says whether its text holds a hand-off phrase (only
    /// responder and system messages are asked). Returns the cause when a hand-off counts.
    pub fn observe(&mut self, index: usize, event: &'e Event<'_>, phrase: bool) -> Option<Cause> {
        let mut counted = None;
        if let Some(cause) = self.structural(event) {
            if !self.open {
                counted = Some(cause);
                self.count(index);
            }
            self.open = cause == Cause::Transfer;
        }
        if phrase && !self.open {
            self.open = true;
            self.count(index);
            counted.get_or_insert(Cause::Phrase);
        }
        counted
    }

    fn count(&mut self, index: usize) {
        self.count += 1;
        self.first.get_or_insert(index as u32);
    }
}

/// Marks that introduce an agent's signature at the end of a reply.
const SIGNATURE_MARKS: [char; 6] = ['^', '-', '*', '~', '\u{2013}', '/'];

/// The agent signature ending `text` (`^JS`, `- Tom`, `*SultanGardezy`, `… now? FA`), if any:
/// a mark followed by one to twenty letters as the last word of the message, or two or
/// three capitals standing after the end of a sentence or a link (initials).
pub fn signature(text: &str) -> Option<&str> {
    let mut words = text
        .split_whitespace()
        .rev()
        .skip_while(|w| is_part_marker(w));
    let last = strip_part_marker(words.next()?);
    let (name, marked) = match last.find(SIGNATURE_MARKS) {
        // The mark opens the word, or follows only symbols (`☺-Sabi`).
        Some(at) if !last[..at].chars().any(char::is_alphanumeric) => {
            (&last[at + last[at..].chars().next()?.len_utf8()..], true)
        }
        Some(_) => return None,
        None => {
            if let Some(initials) = glued_initials(last) {
                return Some(initials);
            }
            let before = words.next();
            if is_initials(last) && before.is_some_and(ends_a_sentence) {
                return Some(last);
            }
            // A mark standing alone before the name (`- Tom`), after some text.
            let mark =
                before.is_some_and(|w| w.chars().count() == 1 && w.starts_with(SIGNATURE_MARKS));
            (last, mark && words.next().is_some())
        }
    };
    let name = name.trim_end_matches(['.', '!']);
    let letters = name.chars().count();
    let ok = marked
        && (1..=20).contains(&letters)
        && name.chars().all(char::is_alphabetic)
        && name.chars().next().is_some_and(char::is_uppercase);
    ok.then_some(name)
}

/// Capitals that are words of their own, not initials.
const NOT_INITIALS: [&str; 24] = [
    "OK", "US", "UK", "EU", "DM", "ID", "PC", "TV", "AM", "PM", "NY", "LA", "UPS", "USA", "ATM",
    "BTW", "FAQ", "FYI", "LOL", "IOS", "APP", "SMS", "PIN", "VAT",
];

/// Two or three ASCII capitals that are not a common abbreviation.
fn is_initials(word: &str) -> bool {
    (2..=3).contains(&word.len())
        && word.bytes().all(|b| b.is_ascii_uppercase())
        && !NOT_INITIALS.contains(&word)
}

/// Initials glued to the end of a sentence: `much?EE`.
fn glued_initials(word: &str) -> Option<&str> {
    let at = word.rfind(['.', '?', '!'])?;
    let (head, initials) = (&word[..at], &word[at + 1..]);
    (head.chars().any(char::is_alphabetic)
        && head.chars().any(char::is_lowercase)
        && is_initials(initials))
    .then_some(initials)
}

/// Whether `word` closes a sentence (`line?`, `ください。`), is a link, or ends in a symbol
/// such as an emoji, so that a following word can only be a sign-off.
fn ends_a_sentence(word: &str) -> bool {
    let last = word.chars().last();
    word.contains("://")
        || last.is_some_and(|c| matches!(c, '.' | '?' | '!' | '\u{3002}' | '\u{ff01}' | '\u{ff1f}'))
        || last.is_some_and(|c| !c.is_alphanumeric() && !c.is_ascii())
}

/// `2/2^Corry`: a part number glued before the signature mark.
fn strip_part_marker(word: &str) -> &str {
    let after_digits = |s: &str| s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let Some((part, rest)) = word.split_once('/') else {
        return word;
    };
    let total = rest.len() - after_digits(rest);
    let numbered = !part.is_empty() && after_digits(part) == 0 && total > 0;
    match rest[total..].chars().next() {
        Some(mark) if numbered && SIGNATURE_MARKS.contains(&mark) => &rest[total..],
        _ => word,
    }
}

/// `2/4`: the part number of a reply split over several posts.
fn is_part_marker(word: &str) -> bool {
    word.split_once('/').is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && (a.bytes().chain(b.bytes())).all(|c| c.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::signature;

    #[test]
    fn signatures_are_the_marked_last_word() {
        assert_eq!(signature("Send us a DM. -KC"), Some("KC"));
        assert_eq!(signature("We can help ^JS "), Some("JS"));
        assert_eq!(
            signature("Let us know *SultanGardezy"),
            Some("SultanGardezy")
        );
        assert_eq!(signature("Thanks for waiting - Tom"), Some("Tom"));
        assert_eq!(signature("Hopefully! -Becky"), Some("Becky"));
        assert_eq!(signature("batch code. TY - Struan 4/4"), Some("Struan"));
        assert_eq!(signature("making us blush. \u{263a}-Sabi"), Some("Sabi"));
        // A part number glued before the mark; initials after a sentence or a link.
        assert_eq!(signature("once finalised. 2/2^Corry"), Some("Corry"));
        assert_eq!(signature("a check on your line? FA"), Some("FA"));
        assert_eq!(signature("when and how much?EE"), Some("EE"));
        assert_eq!(signature("see https://t.co/x TN"), Some("TN"));
        assert_eq!(
            signature("\u{304f}\u{3060}\u{3055}\u{3044}\u{3002} YM"),
            Some("YM")
        );
        // Capitals that are no initials: an abbreviation, one not after a sentence end.
        assert_eq!(signature("All good. OK"), None);
        assert_eq!(signature("we ship to the UK"), None);
        assert_eq!(signature("Is it A.B"), None);
        // Not signatures: a hyphenated word, a lower-case word, a link, a plain ending.
        assert_eq!(signature("it is well-known"), None);
        assert_eq!(signature("see -below"), None);
        assert_eq!(signature("here https://t.co/x"), None);
        assert_eq!(signature("thanks"), None);
        assert_eq!(signature(""), None);
        assert_eq!(signature("-"), None);
    }
}
