#!/usr/bin/env bash
# Installs what the WebGPU test suites need on a fresh Debian 12 machine (run as root):
#   - chromium: the browser suite's headless Chromium, and SwiftShader's Vulkan ICD
#     (/usr/lib/chromium/vk_swiftshader_icd.json) that Dawn (npm package `webgpu`) runs on in Node;
#   - mesa-vulkan-drivers (+ libvulkan1, the Vulkan loader): lavapipe, a second software Vulkan,
#     which the Deno suite uses (Dawn in Node rejects Debian 12's lavapipe; SwiftShader serves it).
# Idempotent: does nothing when everything is already there. Prints the environment to export.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -f /usr/lib/chromium/vk_swiftshader_icd.json ] || need+=(chromium)
[ -f /usr/share/vulkan/icd.d/lvp_icd.x86_64.json ] || need+=(mesa-vulkan-drivers)
ldconfig -p 2>/dev/null | grep "libvulkan.so.1 " >/dev/null || need+=(libvulkan1)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium mesa-vulkan-drivers libvulkan1 >/dev/null
fi
test -x /usr/bin/chromium
test -f /usr/lib/chromium/vk_swiftshader_icd.json
test -f /usr/share/vulkan/icd.d/lvp_icd.x86_64.json
echo "install-webgpu: chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'), SwiftShader ICD and lavapipe present"
echo "install-webgpu: export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json XDG_RUNTIME_DIR=\${XDG_RUNTIME_DIR:-/tmp/varmat-xdg}"
