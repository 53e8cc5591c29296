// Pipeline templates: read from pipelines/*.yaml, and the ${variable} expansion that turns one
// into the exact gst-launch line kek runs (and `kek pipelines show` prints).
#pragma once

#include <kek/error.h>
#include <kek/pipelines.h>

#include "config/live_outputs.h"

#include <string>
#include <vector>

namespace kek::core {

// One template file: name, description, defaults, directories, launch.
Result<PipelineTemplate> parse_template(std::string_view text, const std::string& file);
// Every *.yaml in the folders, in name order; the first error stops the load.
Result<std::vector<PipelineTemplate>> load_templates(const std::vector<std::string>& dirs);

// Replaces ${name} with vars[name] (falling back to tmpl.defaults), "$$" with "$". A value that
// is not a plain token (spaces, quotes, '!') is quoted so it stays one property value and can
// never add elements to the line. An unknown variable is an error naming it.
Result<std::string> expand_text(const std::string& text, const Vars& vars, const Vars& defaults,
                                const std::string& what);
// The line a template gives with these variables; a live layout's outputs come from `outputs`
// (without a registry, a live layout is an error).
Result<std::string> expand_template(const PipelineTemplate& tmpl, const Vars& vars,
                                    const LiveOutputRegistry* outputs = nullptr);
// A template's variables as a VarLookup (the instance's value, else the default, else ""); it
// refers to both, which must outlive it.
VarLookup template_lookup(const PipelineTemplate& tmpl, const Vars& vars);

}  // namespace kek::core
