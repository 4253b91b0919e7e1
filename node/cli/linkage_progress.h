// What `fedlink dedup` and `fedlink bench linkage` show while linking in the
// clear (node/app/clear_linkage.h): a warning on stderr for the values that
// did not normalise, then a progress bar.
#ifndef FEDLINK_NODE_CLI_LINKAGE_PROGRESS_H_
#define FEDLINK_NODE_CLI_LINKAGE_PROGRESS_H_

#include <iostream>

#include "node/app/clear_linkage.h"
#include "node/cli/progress.h"

namespace fedlink::cli {

// `bar` must outlive the run; Finish it once the run returns.
inline app::LinkProgress LinkProgressOnStderr(ProgressBar* bar) {
  app::LinkProgress progress;
  progress.on_keys = [](const match::keyspec::DropCounts& d) {
    if (d.total() == 0) return;
    std::cerr << "warning: " << d.total()
              << " values did not normalise and were left out of the keys (" << d.phones
              << " phones, " << d.emails << " e-mails, " << d.documents << " documents, "
              << d.handles << " handles, " << d.ibans << " IBANs, " << d.plates << " plates)\n";
  };
  progress.on_linking = [bar](size_t done, size_t total) { bar->Update(done, total); };
  return progress;
}

}  // namespace fedlink::cli

#endif  // FEDLINK_NODE_CLI_LINKAGE_PROGRESS_H_
