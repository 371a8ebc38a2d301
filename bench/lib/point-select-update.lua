#!/usr/bin/env sysbench
-- One statement per event, in autocommit: a point select, or with probability
-- --update_percent an index update (UPDATE sbtest SET k = k + 1 WHERE id = ?), as a web tier behind
-- a pooled driver sends them. Used by bench/multiplexing.sh; tables from oltp_common's prepare.

require("oltp_common")

sysbench.cmdline.options.update_percent =
   {"Percentage of events that are an autocommit index update instead of a point select", 20}
sysbench.cmdline.options.statement_at_login =
   {"Run SELECT 1 right after each login, as drivers that read server settings at connect do", false}

function prepare_statements()
   prepare_point_selects()
   prepare_index_updates()
end

local connect_and_prepare = thread_init

function thread_init()
   connect_and_prepare()
   if sysbench.opt.statement_at_login then
      con:query("SELECT 1")
   end
end

function event()
   if sysbench.rand.uniform(1, 100) <= sysbench.opt.update_percent then
      execute_index_updates()
   else
      execute_point_selects()
   end
end
