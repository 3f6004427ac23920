# One list of native sources, shared by CMakeLists.txt; binding.gyp lists the same files.
set(SDA_NATIVE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/addon.cc
  ${CMAKE_CURRENT_LIST_DIR}/errors.cc
  ${CMAKE_CURRENT_LIST_DIR}/malloc_tuning.cc
  ${CMAKE_CURRENT_LIST_DIR}/smoke_worker.cc
  ${CMAKE_CURRENT_LIST_DIR}/torch_info.cc
  ${CMAKE_CURRENT_LIST_DIR}/torch_smoke.cc
  ${CMAKE_CURRENT_LIST_DIR}/cuda_driver.cc
  ${CMAKE_CURRENT_LIST_DIR}/torch_device.cc
  ${CMAKE_CURRENT_LIST_DIR}/torch_thread.cc
  ${CMAKE_CURRENT_LIST_DIR}/convvae.cc
  ${CMAKE_CURRENT_LIST_DIR}/convvae_binding.cc
  ${CMAKE_CURRENT_LIST_DIR}/spectrogram.cc
  ${CMAKE_CURRENT_LIST_DIR}/griffin_lim.cc
  ${CMAKE_CURRENT_LIST_DIR}/mkl_dft.cc
  ${CMAKE_CURRENT_LIST_DIR}/spectrogram_binding.cc
)
