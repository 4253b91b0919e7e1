// The console names agreeing details in plain words, never by key type.
#include "node/web/plain_words.h"

#include <string>

#include "gtest/gtest.h"
#include "node/match/keyspec.h"
#include "node/web/console_text.h"

namespace fedlink::web {
namespace {

// A caseworker reads these: every key type either keyspec derives has words
// (a new key type without them would show its internal name).
TEST(PlainWordsTest, EveryKeyTypeOfEitherKeyspecHasWords) {
  for (const std::string& name : match::keyspec::KeyTypeNames()) {
    SCOPED_TRACE(name);
    bool listed = false;
    for (const text::KeyWords& k : text::kKeyWords) listed = listed || name == k.key;
    EXPECT_TRUE(listed);
    EXPECT_EQ(KeysInWords(name).find('_'), std::string::npos);
  }
}

TEST(PlainWordsTest, SeveralKeysAreOneSentence) {
  EXPECT_EQ(KeysInWords("phone;given_date;name_words_date"),
            "phone number, given name with date of birth and names with date of birth");
  EXPECT_EQ(KeysInWords(""), "");
}

}  // namespace
}  // namespace fedlink::web
