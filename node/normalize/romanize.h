// keyspec v2 name normalisation: transliteration chosen by script and
// language, then folding of romanisation variants, so that one person's name
// written in Cyrillic, from a passport (ICAO 9303) and from an interpreter's
// notes ("Юлия Шевченко", "Iuliia Shevchenko", "Julia Schewtschenko") gives
// the same words.
//
//   RomanizeName("Юлия Шевченко")        -> "yuliya shevchenko" (Russian BGN)
//   FoldRomanisation("yuliya")          -> "iulia"
//   FoldRomanisation("schewtschenko")   -> "chevchenko" (as "shevchenko")
//   FoldFamilyEnding("ivanova")         -> "ivanov"
//
// Deterministic and versioned with keyspec v2: every node must produce the
// same bytes, so a change here is a new keyspec version. Thread-safe (ICU
// transliterators are kept per thread).
#ifndef FEDLINK_NODE_NORMALIZE_ROMANIZE_H_
#define FEDLINK_NODE_NORMALIZE_ROMANIZE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace fedlink::normalize {

// Lower-case ASCII words separated by single spaces (as Name() returns).
// Cyrillic text goes through ICU's Ukrainian-Latin/BGN when it holds a
// letter only Ukrainian uses (і ї є ґ) or `nationality` (ISO 3166 alpha-2,
// the record's) is "UA", else Russian-Latin/BGN; any other
// script through ICU's Any-Latin; then Latin-ASCII. (Any-Latin alone turns
// Юлия into "ulia", which folds with no Latin spelling of the name.)
std::string RomanizeName(absl::string_view text, absl::string_view nationality = "");

// One lower-case ASCII word with romanisation variants folded, in order:
// schtsch/shch/chtch->ch (щ), tsch/tch/sch/sh->ch (ч and ш fold together),
// kh->h, zh->ch (German writes ж as sch), ks->x, ph->f, ou->u (French), ts/tz/z->c, w->v, ye->e,
// y/j->i (so ia/ya/ja and iu/yu/ju fold together), then runs of one letter
// collapsed to one.
std::string FoldRomanisation(absl::string_view word);

// A folded family-name word with its feminine or masculine Slavic ending
// folded: -ska/-skaia -> -ski (-cka/-ckaia -> -cki, as ts folds to c),
// -ova/-eva/-ina -> -ov/-ev/-in (-sky and -skiy fold to -ski already).
std::string FoldFamilyEnding(absl::string_view folded_word);

}  // namespace fedlink::normalize

#endif  // FEDLINK_NODE_NORMALIZE_ROMANIZE_H_
