{
  "targets": [
    {
      "target_name": "animegan_native",
      "sources": [
        "src/addon.cc",
        "src/convolution.cc",
        "src/matmul.cc",
        "src/elementwise.cc",
        "src/reduction.cc",
        "src/copy.cc",
        "src/normalisation.cc",
        "src/pooling.cc",
        "src/resize.cc",
        "src/optimiser.cc"
      ],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fopenmp", "-fexceptions"],
      "ldflags": ["-fopenmp"],
      "libraries": ["-ldnnl"]
    }
  ]
}
