# Secondary build, for node-gyp users: the same sources as CMakeLists.txt (the primary, cmake-js build),
# with LibTorch paths from the location recorded at install time. No rpath: lib/native/loader.ts
# preloads the located LibTorch before it loads the addon (see the comment in CMakeLists.txt).
{
  "targets": [
    {
      "target_name": "small_dataset_audio",
      "sources": [
        "native/addon.cc",
        "native/errors.cc",
        "native/malloc_tuning.cc",
        "native/smoke_worker.cc",
        "native/torch_info.cc",
        "native/torch_smoke.cc",
        "native/cuda_driver.cc",
        "native/torch_device.cc",
        "native/torch_thread.cc",
        "native/convvae.cc",
        "native/convvae_binding.cc",
        "native/spectrogram.cc",
        "native/griffin_lim.cc",
        "native/griffin_lim_loops.cc",
        "native/mkl_dft.cc",
        "native/mkl_threading.cc",
        "native/spectrogram_binding.cc",
        "native/rng.cc",
        "native/rng_binding.cc",
        "native/resample.cc",
        "native/resample_binding.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/libtorch-paths.js include)"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "_GLIBCXX_USE_CXX11_ABI=1"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++14", "-std=gnu++17"],
      "cflags_cc": ["-std=gnu++17", "-fexceptions", "-frtti", "-Wno-unused-parameter", "-fopenmp", "-fno-math-errno"],
      "ldflags": ["-fopenmp"],
      "libraries": [
        "-L<!(node scripts/libtorch-paths.js libdir)",
        "-ltorch",
        "-ltorch_cpu",
        "-lc10",
        "-ldl"
      ]
    }
  ]
}
