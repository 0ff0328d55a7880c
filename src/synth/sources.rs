//! Source facts: a publisher's document with a title, URL, byline, language,
//! publication date (at whatever precision the document gives, or none), an
//! excerpt and a content hash, as in the fixtures' `source` facts.

use super::dates::{long_form, month_name, published};
use super::rng::Rng;
use super::words::{Publisher, BASES};
use crate::fact::{Source, SourceType};
use crate::time::Date;

/// A document by `publisher`, published around `day`; `serial` makes its URL unique.
pub fn source(rng: &mut Rng, publisher: &Publisher, day: Date, serial: u64) -> Source {
    let base = rng.weighted(&BASE_WEIGHTS);
    let base_name = *rng.pick(BASES[*base].names);
    let country = match BASES[*base].country {
        "SY" => "Syria",
        "JO" => "Jordan",
        "QA" => "Qatar",
        _ => "Iraq",
    };
    let title = match publisher.kind {
        SourceType::MilitiaChannel => None,
        SourceType::Encyclopedia => Some("Attacks on US bases during the Gaza war".to_owned()),
        SourceType::ThinkTank => Some(format!(
            "Iran Update, {} {}, {}",
            month_name(day),
            super::dates::day_of_month(day),
            day.year()
        )),
        SourceType::Military | SourceType::Government => Some(
            (*rng.pick(&[
                "Statement on attacks against US forces in Iraq and Syria",
                "US forces conduct precision strikes in Iraq",
                "Readout of the Secretary of Defense's call with the Iraqi Prime Minister",
            ]))
            .to_owned(),
        ),
        _ if rng.chance(200) => None,
        _ => Some(match rng.below(4) {
            0 => format!("Drone attack targets US forces at {base_name}"),
            1 => format!("US troops in {country} come under rocket and drone attack"),
            2 => "Iran-backed militias claim new attacks on US bases".to_owned(),
            _ => format!("US strikes militia targets in {country} after attack on {base_name}"),
        }),
    };
    let url = publisher.domain.map(|domain| match publisher.kind {
        SourceType::MilitiaChannel => {
            format!("https://{domain}/{}/{}", publisher.slug, 1000 + serial)
        }
        SourceType::Encyclopedia => format!(
            "https://{domain}/w/index.php?title=Attacks_on_US_bases_during_the_Gaza_war&oldid={}",
            1_180_000_000 + serial
        ),
        _ => format!(
            "https://{domain}/{}/{:02}/{}/{}",
            day.year(),
            day.month(),
            slug(title.as_deref().unwrap_or("report")),
            serial
        ),
    });
    let author = (!publisher.authors.is_empty() && rng.chance(700))
        .then(|| (*rng.pick(publisher.authors)).to_owned());
    let language = Some(if publisher.kind == SourceType::MilitiaChannel {
        "ar".to_owned()
    } else {
        "en".to_owned()
    });
    let excerpt = rng.chance(500).then(|| {
        format!(
            "US forces at {base_name} came under attack on {}, officials said.",
            long_form(day)
        )
    });
    let content_hash = rng.chance(400).then(|| {
        (0..4)
            .map(|_| format!("{:016x}", rng.next_u64()))
            .collect::<String>()
    });
    Source {
        publisher: publisher.name.into(),
        source_type: publisher.kind,
        party: publisher.party,
        title: title.map(Into::into),
        url: url.map(Into::into),
        author: author.map(Into::into),
        language: language.map(Into::into),
        published: published(rng, day),
        excerpt: excerpt.map(Into::into),
        content_hash: content_hash.map(Into::into),
    }
}

/// Lower-case words joined by `-`, for URLs and keys.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// `(weight, index into BASES)`, so that titles mention bases as often as they are hit.
const BASE_WEIGHTS: [(u32, usize); 6] = [(14, 0), (8, 1), (7, 4), (8, 5), (6, 6), (3, 9)];
