// What the kek host offers a plugin. Each plugin gets its own Host (its args, its migrations);
// the object lives as long as the process, so a plugin may keep the reference.
#pragma once

#include <kek/args.h>
#include <kek/db.h>
#include <kek/error.h>
#include <kek/events.h>
#include <kek/http.h>
#include <kek/pipelines.h>
#include <kek/services.h>

#include <functional>
#include <string>
#include <vector>

namespace kek {

using CommandHandler = std::function<int(const std::vector<std::string>& args)>;

class Host {
 public:
  virtual ~Host() = default;

  virtual std::string_view version() const = 0;
  virtual const std::string& plugin_name() const = 0;
  virtual const Args& args() const = 0;

  // Folders from the config: data (var/), media root (var/media/) served under /media/.
  virtual const std::string& data_dir() const = 0;
  virtual const std::string& media_dir() const = 0;

  virtual Http& http() = 0;
  virtual Database& db() = 0;
  virtual EventBus& events() = 0;
  virtual Pipelines& pipelines() = 0;
  virtual Services& services() = 0;

  // Numbered schema steps for this plugin's own tables, applied once before start.
  virtual void add_migrations(std::vector<Migration> migrations) = 0;
  // `kek NAME ...` runs handler offline (database open, nothing served).
  virtual void add_command(std::string name, std::string help, CommandHandler handler) = 0;
  // Called once the database is migrated and HTTP is listening; failure stops start-up.
  virtual void on_start(std::function<Status()> fn) = 0;
  // Called in reverse plugin order when the process stops (pipelines already stopped).
  virtual void on_stop(std::function<void()> fn) = 0;
  // A line for the start-up banner, e.g. ("rtmp", "rtmp://127.0.0.1:1935/live").
  virtual void announce(std::string what, std::string url) = 0;
};

}  // namespace kek
