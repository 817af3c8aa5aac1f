// The staging tree: what the new image will hold, assembled in a work folder.
//
//   <work>/image/lib/modules/<release>/   the image root: the stock tree (hard links into the
//                                         stock cache entry) plus the added modules, compressed
//                                         the way the kernel config says (compress.h)
//   <work>/plain/lib/modules/<release>/   the same paths with every module decompressed; depmod
//                                         runs here (stock.h says why) and its indexes are
//                                         copied into image/
// Rules:
//   - an added module lands at <dest>/<file name>.ko<suffix> (dest defaults to extra/<recipe>/)
//   - an added module named like a stock module (the kernel's name: '-' and '_' alike) is
//     refused unless its recipe lists that name in `replaces`; then the stock file leaves the
//     staging tree and the report names it.  A kernel-tree recipe replaces without saying so
//     the stock module it rebuilds from the same place in the kernel source (the stock path is
//     kernel/<one of its folders>/...): the same driver from the same release's source, so
//     nothing else can be shadowed (usbip-extra on a stock tree that already has its drivers)
//   - two added modules with one name are refused
//   - the stock depmod indexes are left out (depmod writes them again); the kernel-build
//     inputs modules.order, modules.builtin and modules.builtin.modinfo stay (empty ones are
//     written when there is no stock tree, so that depmod has nothing to warn about)
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "modules/compress.h"
#include "modules/stock.h"
#include "util/error.h"

namespace wslmod::modules {

struct AddedModule {
    std::string recipe, name, dest; // name as the recipe declares it; dest below the root
    std::filesystem::path file;     // the built (uncompressed) .ko
};

struct StageSpec {
    const StockTree* stock = nullptr; // none: the image holds only the added modules
    std::string release;
    Compression compression = Compression::none;
    std::vector<AddedModule> added;
    std::map<std::string, std::vector<std::string>> replaces; // recipe -> stock module names
    std::filesystem::path cache; // compressed modules are kept in <cache>/compressed/
    std::map<std::string, std::vector<std::string>> in_tree; // kernel-tree recipe -> its folders
};

struct StagedModule {
    std::string recipe, name, path; // path below the root
};

struct ReplacedModule {
    std::string recipe, name, stock_path, path;
};

// The names of the files depmod writes (and that a stock tree's copies are dropped for).
const std::vector<std::string>& depmod_outputs();

class Staging {
  public:
    // Builds the staging tree in `work` (created; removed again when the Staging goes away).
    static util::Result<Staging> create(const StageSpec& spec, const std::filesystem::path& work);
    Staging(Staging&&) noexcept;
    Staging& operator=(Staging&&) = delete;
    ~Staging();

    std::filesystem::path root() const;        // <work>/image/lib/modules/<release>
    std::filesystem::path plain_root() const;  // <work>/plain/lib/modules/<release>
    std::filesystem::path depmod_base() const; // <work>/plain

    std::vector<StagedModule> added;
    std::vector<ReplacedModule> replaced;
    size_t stock_modules = 0; // modules in the stock tree
    size_t unchanged = 0;     // stock modules kept as they are
    std::vector<std::string> warnings;

  private:
    Staging() = default;
    std::filesystem::path work_;
    std::string release_;
};

} // namespace wslmod::modules
