/* tests/plugins/no_symbol.c - a shared object without the plugin symbol. */
__attribute__((visibility("default"))) int not_a_strategy(void) { return 42; }
