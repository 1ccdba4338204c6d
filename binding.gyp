{
  "targets": [
    {
      "target_name": "diff_prompt",
      "sources": ["<!@(node scripts/native-build-flags.js sources)"],
      "include_dirs": ["<!@(node scripts/native-build-flags.js include-dirs)"],
      "cflags_cc": ["<!@(node scripts/native-build-flags.js cflags)"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags!": ["-fno-exceptions"],
      "ldflags": ["<!@(node scripts/native-build-flags.js ldflags)"],
      "libraries": ["<!@(node scripts/native-build-flags.js libraries)"]
    }
  ]
}
