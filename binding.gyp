{
  "targets": [
    {
      "target_name": "rtk_addon",
      "sources": [
        "native/addon/addon.cc",
        "native/addon/convert.cc",
        "native/addon/device_run.cc",
        "native/addon/js_run.cc",
        "native/addon/kernels_binding.cc",
        "native/addon/mixture_binding.cc",
        "native/addon/native_run.cc",
        "native/addon/native_target.cc",
        "native/addon/plugin_binding.cc",
        "native/addon/plugin_oracle.cc",
        "native/addon/run_state.cc",
        "native/addon/shared_pool.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/include"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL"],
      "conditions": [["OS=='linux'", {
        "libraries": ["-ldl"],
        "ldflags": ["-Wl,--version-script=<(module_root_dir)/native/addon/exports.map"]
      }]],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "<!(node scripts/arch-flags.js)", "-ffp-contract=off", "-fno-math-errno", "-fvisibility=hidden", "-fvisibility-inlines-hidden", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-psabi"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1 } }
    }
  ]
}
