// Anchor translation unit for the torch precompiled header (cmake/torch_pch.cmake).
