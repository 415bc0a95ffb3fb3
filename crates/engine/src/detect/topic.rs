//! Topic classification for routing and the summary: the topic whose words (and the
//! action concepts that imply it: refunds → billing, passwords → account) are most
//! frequent wins; ties go to the first in `ORDER`, and no topic word at all is `General`.
use crate::detect::Topic;
use crate::normalize::{mask, Analysis, Concept as C};

/// Each topic with the concepts that vote for it; earlier entries win ties.
const ORDER: &[(Topic, u128)] = &[
    (
        Topic::Billing,
        mask(&[C::TopicBilling, C::Refund, C::Charge]),
    ),
    (
        Topic::Account,
        mask(&[C::TopicAccount, C::Sensitive, C::Account]),
    ),
    (Topic::Technical, mask(&[C::TopicTechnical])),
    (Topic::Shipping, mask(&[C::TopicShipping])),
];

/// The topic of one message.
pub(crate) fn topic(a: &Analysis<'_>) -> Topic {
    let mut best = (Topic::General, 0usize);
    for &(topic, m) in ORDER {
        let votes = a.tokens.iter().filter(|t| t.tags & m != 0).count();
        if votes > best.1 {
            best = (topic, votes);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics() {
        let t = |s: &str| topic(&Analysis::new(s));
        assert_eq!(t("I was charged twice on my invoice"), Topic::Billing);
        assert_eq!(
            t("the app crashes with error 500 when I open it"),
            Topic::Technical
        );
        assert_eq!(
            t("mot de passe oublié, je ne peux plus accéder à mon compte"),
            Topic::Account
        );
        assert_eq!(
            t("wo ist mein Paket? Die Lieferung ist verspätet"),
            Topic::Shipping
        );
        assert_eq!(t("hello there"), Topic::General);
    }
}
