# AOEM (src/exec). `make test-tsan` builds the library and the executor stress test with
# ThreadSanitizer into build/tsan/ and runs it; `make test` runs it too (TEST_STEPS). Its log,
# build/test-tsan.log, ends with "tsan: N passed, N failed" (a ThreadSanitizer report or a
# result that differs from the reference counts as a failure). TSAN_BLOCKS sets the blocks.

TSAN_FLAGS  := -fsanitize=thread -fno-omit-frame-pointer -O1
TSAN_OBJ    := $(SRC:%.c=$(B)/tsan/obj/%.o)
TSAN_BLOCKS ?= 150

.PHONY: test-tsan

$(B)/tsan/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(TSAN_FLAGS) -c $< -o $@

$(B)/tsan/libsupervm.a: $(TSAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/tsan/exec_stress: tests/stress/exec_stress.c tests/lib/execgen.c tests/lib/execgen.h $(B)/tsan/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(TSAN_FLAGS) -Itests -o $@ $(filter %.c,$^) $(B)/tsan/libsupervm.a $(LIBS)

test-tsan: $(B)/tsan/exec_stress
	@out=$$(TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1" \
	  $(B)/tsan/exec_stress $(TSAN_BLOCKS) 2>&1); rc=$$?; \
	{ printf '%s\n' "$$out" | grep -a -E 'WARNING: ThreadSanitizer|SUMMARY|seed|blocks' | head -n 40; \
	  p=$$(printf '%s\n' "$$out" | sed -n 's/^stress: \([0-9]*\) passed.*/\1/p'); \
	  f=$$(printf '%s\n' "$$out" | sed -n 's/^stress: [0-9]* passed, \([0-9]*\) failed/\1/p'); \
	  [ -z "$$p" ] && { p=0; f=1; }; [ $$rc -ne 0 ] && [ "$$f" -eq 0 ] && f=1; \
	  echo "tsan: $$p passed, $$f failed"; } | tee $(B)/test-tsan.log; \
	grep -q ' 0 failed$$' $(B)/test-tsan.log

TEST_STEPS += test-tsan
