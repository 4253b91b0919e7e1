// Every sentence the console shows, in one place so that the pages can be
// translated (English first). $0, $1, ... are filled by absl::Substitute. Values that fill a sentence are escaped by
// the page that uses it (html.h), never here.
#ifndef FEDLINK_NODE_WEB_CONSOLE_TEXT_H_
#define FEDLINK_NODE_WEB_CONSOLE_TEXT_H_

namespace fedlink::web::text {

inline constexpr char kProduct[] = "fedlink console";
inline constexpr char kSkipToContent[] = "Skip to content";
inline constexpr char kNavLabel[] = "Main";
inline constexpr char kNavHome[] = "Home";
inline constexpr char kNavLookup[] = "Intake lookup";
inline constexpr char kNavInbox[] = "Inbox";
inline constexpr char kNavRecords[] = "Records and consent";
inline constexpr char kNavAudit[] = "Audit report";
inline constexpr char kNavUsers[] = "Users";
inline constexpr char kLogOut[] = "Log out";

// Login.
inline constexpr char kLoginTitle[] = "Log in";
inline constexpr char kUserName[] = "User name";
inline constexpr char kPassword[] = "Password";
inline constexpr char kLoginButton[] = "Log in";
inline constexpr char kLoginRefused[] = "Wrong user name or password.";
inline constexpr char kLoginLocked[] =
    "Too many failed logins. Wait $0 minutes before trying again, or ask an administrator.";
inline constexpr char kSessionEnded[] =
    "Your session ended after a time without activity. Please log in again.";

// Refusals.
inline constexpr char kForbiddenTitle[] = "Not for your role";
inline constexpr char kForbidden[] = "Your role ($0) cannot open this page.";
inline constexpr char kBadFormTitle[] = "Form refused";
inline constexpr char kBadForm[] =
    "This form has expired or did not come from this console. Go back, reload the page and "
    "send it again.";
inline constexpr char kNotFoundTitle[] = "Page not found";

// Home.
inline constexpr char kHomeTitle[] = "Welcome";
inline constexpr char kHomeIntro[] = "You are logged in to node $0 as $1 ($2).";

// Intake lookup.
inline constexpr char kLookupTitle[] = "Intake lookup";
inline constexpr char kLookupIntro[] =
    "Check whether another organisation may know the person in front of you. Nothing you "
    "enter is stored, and the other organisations do not see it: they answer only whether "
    "their own records agree.";
inline constexpr char kGiven[] = "Given name";
inline constexpr char kGivenHint[] = "in any script";
inline constexpr char kFamily[] = "Family name";
inline constexpr char kAliases[] = "Other names";
inline constexpr char kSeveral[] = "separate several with ;";
inline constexpr char kDob[] = "Date of birth";
inline constexpr char kDobHint[] = "YYYY-MM-DD, or only YYYY-MM or YYYY";
inline constexpr char kSex[] = "Sex";
inline constexpr char kSexOptions[] =
    "<option value=\"\">not given</option><option value=\"f\">female</option>"
    "<option value=\"m\">male</option><option value=\"x\">other</option>";
inline constexpr char kPhones[] = "Phone numbers";
inline constexpr char kEmails[] = "E-mail addresses";
inline constexpr char kDocuments[] = "Document numbers";
inline constexpr char kHandles[] = "Online handles";
inline constexpr char kPurpose[] = "Purpose";
inline constexpr char kPurposeHint[] = "as declared in the node's policy";
inline constexpr char kLegalBasis[] = "Case or legal-basis reference";
inline constexpr char kLegalBasisHint[] = "logged with the check";
inline constexpr char kCheck[] = "Check";
inline constexpr char kNewLookup[] = "New lookup";
inline constexpr char kBadDob[] = "Date of birth: not a date.";
inline constexpr char kBadSex[] = "Sex: choose one of the options.";
inline constexpr char kTheirOfficer[] = "Their officer: $0";
inline constexpr char kLookupConsent[] =
    "The person has agreed that we check with our partners for this purpose";
inline constexpr char kLookupNoConsent[] =
    "Not checked: the person has not agreed to a check for $0. Without their consent nothing "
    "about them leaves this node, not even in protected form.";
inline constexpr char kLookupNothing[] =
    "No partner organisation has a record that agrees with these details.";
inline constexpr char kLookupMayKnow[] = "$0 may know this person: agreeing $1; strength $2.";
inline constexpr char kLookupWindow[] =
    "If you ask for contact, the partner is expected to answer within 48 hours (by $0).";
inline constexpr char kPeerFailed[] = "$0 could not be asked: $1";
inline constexpr char kRequestContact[] = "Request contact";
inline constexpr char kReason[] = "Reason (no personal details)";
// A contact request after a lookup alone is refused (no record of ours to
// follow up): the result page says why and what to do instead.
inline constexpr char kLookupContactHow[] =
    "We hold no record of this person that a batch match found at this partner. To ask for "
    "contact, first record the person here (Records and consent, "
    "\"Add or update one person\", with their consent for $0); then a supervisor's batch "
    "match finds this partner's record again, and you can request contact from the match (or "
    "from a new lookup).";
inline constexpr char kLookupContactWhy[] =
    "Why: a contact request is about one of our own records. That record keeps the person's "
    "consent, which we check before asking, and if they withdraw it, the request is erased and "
    "the partner is told. A lookup stores nothing about the person, so there would be nothing "
    "to check, erase or withdraw.";
inline constexpr char kLookupContactAbout[] =
    "We hold a record of this person that a batch match found at this partner (our record "
    "$0): you can ask for contact about it.";
inline constexpr char kLookupRecordThePerson[] = "Record the person (Records and consent)";
inline constexpr char kContactNeedsMatch[] =
    "A contact request needs a match of one of our own records, with the person's consent "
    "for the purpose: add the person under Records and consent, then a supervisor runs the "
    "batch match, and you can ask from there.";
inline constexpr char kContactHeld[] =
    "Contact request $0 to $1 is awaiting a supervisor's approval (our policy): nothing has "
    "been sent yet.";
inline constexpr char kContactSent[] =
    "Contact request $0 sent to $1. The 48-hour window ends at $2.";

// Batch match (supervisor).
inline constexpr char kNavMatch[] = "Batch match";
inline constexpr char kMatchTitle[] = "Batch match";
inline constexpr char kMatchIntro[] =
    "Check all of our records against every partner for one purpose. Records of victims and "
    "witnesses are used only with their consent for the purpose. This can take a while; "
    "the next page shows the progress and then the matches.";
inline constexpr char kMatchRun[] = "Run the match";
inline constexpr char kMatchProgress[] = "Matching: $0 of $1 partners done.";
inline constexpr char kMatchProgressPeer[] = "Now asking $0: $1 of $2 checks done.";
inline constexpr char kMatchRefreshes[] =
    "This page refreshes itself every 2 seconds until the match is done; you may leave it and "
    "come back.";
inline constexpr char kMatchRefreshNow[] = "Refresh now";
inline constexpr char kMatchNone[] = "No batch match has been started in this session.";
inline constexpr char kMatchSummary[] =
    "$0 records checked ($1 withheld: no consent for $2); $3 matches.";
inline constexpr char kMatchOne[] =
    "Our record $0: $1 may know this person: agreeing $2; strength $3.";

// Review queue (supervisor).
inline constexpr char kNavReview[] = "Review";
inline constexpr char kReviewTitle[] = "Review borderline matches";
inline constexpr char kReviewIntro[] =
    "These possible matches were a little too weak to report on their own. Decide each once: "
    "an accepted one is reported as a match from now on, a rejected one never, and your "
    "decision is logged under your name.";
inline constexpr char kReviewOne[] =
    "Our record $0 and a record of $1 ($2): agreeing $3; score $4 bits, threshold $5 bits.";
inline constexpr char kReviewAccept[] = "Same person";
inline constexpr char kReviewReject[] = "Not the same person";

// Inbox.
inline constexpr char kInboxTitle[] = "Inbox";
inline constexpr char kInboxIncoming[] = "Contact requests received";
inline constexpr char kInboxOutgoing[] = "Contact requests sent";
inline constexpr char kInboxNotices[] = "Match notices";
inline constexpr char kInboxEmpty[] = "Nothing here.";
inline constexpr char kAccept[] = "Accept";
inline constexpr char kDecline[] = "Decline";
inline constexpr char kInboxAwaitingApproval[] = "Contact requests awaiting approval";
// $0 id, $1 partner, $2 our record, $3 purpose, $4 the requesting user.
inline constexpr char kHeldRequest[] = "Request $0 to $1 about our record $2 for $3, asked by $4.";
inline constexpr char kHeldWaiting[] =
    "Awaiting a supervisor's approval: nothing has been sent yet.";
inline constexpr char kApprove[] = "Approve and send";
inline constexpr char kReject[] = "Reject";
inline constexpr char kApproved[] = "Request $0 approved and sent to $1.";
inline constexpr char kRejected[] = "Request $0 rejected: it was not sent.";
inline constexpr char kInboxRejected[] = "Contact requests rejected by a supervisor";
// $0 the supervisor, $1 when.
inline constexpr char kHeldRejected[] = "Rejected by $0 on $1: it was not sent.";
inline constexpr char kReplyMessage[] =
    "Message to the requester (whom to call; no personal details)";

// Records and consent.
inline constexpr char kRecordsTitle[] = "Records and consent";
inline constexpr char kExternalId[] = "Record id";
inline constexpr char kShowSharing[] = "Show what we share";
inline constexpr char kWithdraw[] = "Withdraw consent";
inline constexpr char kWithdrawConfirmTitle[] = "Withdraw consent?";
inline constexpr char kWithdrawConfirm[] =
    "After this, record $0 is no longer used for any purpose: partners can no longer find it, "
    "every contact request about it is erased here, and every partner that asked about it is "
    "told. This cannot be undone here.";
inline constexpr char kWithdrawYes[] = "Yes, withdraw consent";
inline constexpr char kWithdrawDone[] =
    "Consent withdrawn for record $0. Partners can no longer find it. $1 contact requests "
    "about it were erased; $2 of $3 partners told have confirmed.";

inline constexpr char kAddRecord[] = "Add or update one person";
inline constexpr char kAddRecordIntro[] =
    "Record the person at intake. Ask which purposes they agree to: without consent for a "
    "purpose, their record is never used for it. A record id that exists is updated.";
inline constexpr char kRoleOptions[] =
    "<option value=\"victim\">victim</option><option value=\"witness\">witness</option>"
    "<option value=\"suspect\">suspect</option><option value=\"other\">other</option>";
inline constexpr char kConsentPurposes[] = "Consent: purposes the person agrees to";
inline constexpr char kConsentExpires[] = "Consent expires on";
inline constexpr char kLabels[] = "Labels";
inline constexpr char kNationality[] = "Nationality";
inline constexpr char kAddresses[] = "Addresses";
inline constexpr char kLanguage[] = "Language the person reads";
inline constexpr char kLanguageHint[] = "a language code such as uk, ro, vi or pt-BR";
inline constexpr char kSave[] = "Save";
inline constexpr char kRecordAdded[] = "Record $0 added; the node now holds $1 records.";
inline constexpr char kRecordUpdated[] = "Record $0 updated; the node now holds $1 records.";

inline constexpr char kEditTitle[] = "Change one field of a record";
inline constexpr char kEditIntro[] =
    "Correct or complete one field of a person we hold, for example a new phone number or the "
    "language they read. The whole record is checked again; if the new value is refused, "
    "nothing changes.";
inline constexpr char kEditField[] = "Field";
inline constexpr char kEditValue[] = "New value";
inline constexpr char kEditValueHint[] =
    "as in the add form; several values separated by ; replace all of them; empty clears it";
inline constexpr char kEditSave[] = "Change";
inline constexpr char kEdited[] = "Record $0: $1 changed.";
inline constexpr char kEditNoChange[] = "Record $0: $1 already had that value; nothing changed.";

inline constexpr char kImportTitle[] = "Import records from a file";
inline constexpr char kImportIntro[] =
    "A CSV or JSONL file in the import format (docs/cli.md). You see what it would change "
    "before anything is stored; a file with any bad line stores nothing.";
inline constexpr char kImportFile[] = "File";
inline constexpr char kPreview[] = "Preview";
inline constexpr char kImportPreview[] =
    "$0 holds $1 records: $2 new and $3 that update records we hold. Nothing is stored yet.";
inline constexpr char kImportConfirm[] = "Import these records";
inline constexpr char kImportDone[] =
    "Imported $0 records ($1 new, $2 updated); the node now holds $3 records.";
inline constexpr char kImportNothingPending[] =
    "There is no previewed file to import: choose the file and preview it again.";
inline constexpr char kCancel[] = "Cancel";

// "What we share about you".
inline constexpr char kShareTitle[] = "What we share about you";
inline constexpr char kShareIntro[] =
    "This page explains, in plain words, what this organisation shares about you with its "
    "partners, why, and what has happened so far. You can take it with you.";
inline constexpr char kShareHow[] =
    "We never send your name, date of birth or other details to a partner. We share only "
    "protected codes made from them. A partner can learn that it may know the same person "
    "only if its own records agree, and then it can ask us for contact, which we decide "
    "about.";
// $0: the language's name in English, $1: its code.
inline constexpr char kShareLanguage[] =
    "You told us you read $0 ($1). This page is in English: ask your caseworker to go through "
    "it with you in $0, or for a translation.";
inline constexpr char kShareLanguageUnknown[] =
    "If you would like this page explained in another language, tell your caseworker.";
inline constexpr char kShareNow[] = "Who can find your record now";
inline constexpr char kShareNobody[] = "Nobody: your record is not shared with any partner.";
inline constexpr char kShareWith[] = "$0, for $1";
inline constexpr char kShareHistory[] = "What has happened so far";
inline constexpr char kShareNothingYet[] = "Nothing has been shared about your record yet.";
inline constexpr char kShareWithdrawHow[] =
    "You can withdraw your consent at any time by telling your caseworker. Then your record is "
    "no longer shared with anyone, and every partner that asked about you is told.";

// Audit and users.
inline constexpr char kAuditTitle[] = "Audit report";
inline constexpr char kAuditUploadTitle[] = "Review exports";
inline constexpr char kAuditUploadIntro[] =
    "Review other nodes' access-log exports (`fedlink audit export`) together with this "
    "node's own log: each is verified against the installed roster and the exchanges are "
    "joined. Nothing uploaded is stored.";
inline constexpr char kAuditOwnOnly[] = "This node's own log only";
inline constexpr char kAuditExportFile[] = "An export file";
inline constexpr char kAuditReview[] = "Review";
inline constexpr char kUsersTitle[] = "Users";
inline constexpr char kAddUser[] = "Add a user";
inline constexpr char kRole[] = "Role";
inline constexpr char kNewPassword[] = "Password (12 characters or more)";
inline constexpr char kDisable[] = "Disable";
inline constexpr char kResetPassword[] = "Set a new password";

// The agreeing key types (node/match/keyspec.cc) in plain words.
struct KeyWords {
  const char* key;
  const char* words;
};
inline constexpr KeyWords kKeyWords[] = {
    {"phone", "phone number"},
    {"email", "e-mail address"},
    {"document", "document number"},
    {"handle", "online handle"},
    {"iban", "bank account"},
    {"plate", "vehicle plate"},
    {"name_dob", "name with date of birth"},
    {"phonetic_dob", "similar-sounding name with date of birth"},
    {"family_dob", "family name with date of birth"},
    {"given_dob", "given name with date of birth"},
    {"names_year", "names with year of birth"},
    {"names_unordered_dob", "names in another order with date of birth"},
    {"family_daymonth", "family name with day and month of birth"},
    {"nickname_dob", "nickname with date of birth"},
    {"names", "names"},
    {"names_phonetic", "similar-sounding names"},
    {"address", "address"},
    {"given_date", "given name with date of birth"},
    {"given_variant_date", "given name spelled one letter apart with date of birth"},
    {"nickname_date", "nickname or the same name in another language with date of birth"},
    {"family_date", "family name with date of birth"},
    {"family_variant_date", "family name spelled one letter apart with date of birth"},
    {"name_words", "names in either order"},
    {"name_words_phonetic", "similar-sounding names in either order"},
    {"name_words_date", "names with date of birth"},
    {"name_words_phonetic_date", "similar-sounding names with date of birth"},
    {"name_words_near_date", "names with a date of birth a year apart"},
    {"given_partial_date", "given name with the known part of the date of birth"},
    {"family_partial_date", "family name with the known part of the date of birth"},
    {"name_words_partial_date", "names with the known part of the date of birth"},
};
inline constexpr char kAnd[] = " and ";
inline constexpr char kStrengthHigh[] = "high";
inline constexpr char kStrengthMedium[] = "medium";
inline constexpr char kStrengthLow[] = "low";

}  // namespace fedlink::web::text

#endif  // FEDLINK_NODE_WEB_CONSOLE_TEXT_H_
