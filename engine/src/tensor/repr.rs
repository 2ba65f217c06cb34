//! Placeholder until the PyTorch-exact formatter lands.
