# reseller_billing — PGXS build.
#
# The version is written once, in reseller_billing.control (default_version);
# everything below derives from it.

EXTENSION   = reseller_billing
EXTVERSION := $(shell sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" $(EXTENSION).control)

MODULE_big  = reseller_billing
OBJS        = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# The install script is generated from the commented sections in sql/install/;
# upgrade scripts reseller_billing--A--B.sql live in sql/ and are picked up as written.
DATA_built  = $(EXTENSION)--$(EXTVERSION).sql
DATA        = $(wildcard sql/$(EXTENSION)--*--*.sql)

# pg_regress: sql/NAME.sql -> expected/NAME.out (upgrade scripts are not tests)
REGRESS     = $(patsubst sql/%.sql,%,$(sort $(filter-out sql/$(EXTENSION)--%,$(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=.

# isolation: test/isolation/specs/NAME.spec -> test/isolation/expected/NAME.out
ISOLATION   = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation

PG_CPPFLAGS = -Isrc -DRB_VERSION='"$(EXTVERSION)"'
PG_CFLAGS   = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers

EXTRA_CLEAN = $(DATA_built) results regression.diffs regression.out output_iso

PG_CONFIG  ?= /usr/lib/postgresql/15/bin/pg_config
PGXS       := $(wildcard $(shell $(PG_CONFIG) --pgxs 2>/dev/null))

ifneq ($(PGXS),)
include $(PGXS)
CONTRIB_TESTDB = contrib_regression_rb
else
# Without postgresql-server-dev-15 there is nothing to build against yet;
# `make test` and `make demo` install it first.
all install installcheck:
	@echo "PGXS not found ($(PG_CONFIG)); run 'make test' or 'make demo', which install it" >&2; exit 1
endif

$(EXTENSION)--$(EXTVERSION).sql: $(sort $(wildcard sql/install/*.sql)) $(EXTENSION).control
	cat $(sort $(wildcard sql/install/*.sql)) > $@

# The two commands (README), plus benchmarks and long fuzzing.
.PHONY: test demo bench fuzz lint
test:
	bash test/harness/run-tests.sh
demo:
	bash test/harness/run-demo.sh
bench:
	bash test/harness/run-bench.sh
fuzz:
	bash test/harness/run-fuzz.sh

# Static analysis: no cppcheck warnings in our sources (PostgreSQL's headers excluded).
lint:
	cppcheck --enable=warning,performance,portability --error-exitcode=1 --quiet \
		-Isrc -I$(shell $(PG_CONFIG) --includedir-server) -D__GNUC__ -DHAVE_INT128 \
		--suppress='*:/usr/include/*' --suppress=missingIncludeSystem src/*.c
