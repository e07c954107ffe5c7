# Nix package for rolecall, built from this repository:
#   nix-build packaging/nix          (or: nix-env -f packaging/nix -i)
{ pkgs ? import <nixpkgs> { } }:

let
  lib = pkgs.lib;
  root = ../..;
in
pkgs.rustPlatform.buildRustPackage {
  pname = "rolecall";
  version = "0.1.0";

  src = lib.cleanSourceWith {
    src = root;
    filter = path: type: !(lib.hasSuffix "/target" path) && lib.cleanSourceFilter path type;
  };
  cargoLock.lockFile = ../../Cargo.lock;

  nativeBuildInputs = [ pkgs.installShellFiles ];

  # The integration suite needs the shells and clients of scripts/test-deps; the unit tests
  # need nothing.
  cargoTestFlags = [ "--lib" ];

  postInstall = ''
    installShellCompletion --cmd rolecall \
      --bash completions/rolecall.bash \
      --zsh completions/_rolecall \
      --fish completions/rolecall.fish
    installManPage man/*.1
  '';

  meta = {
    description = "Short-lived AWS credentials from ~/.aws/config profiles";
    homepage = "https://github.com/OWNER/rolecall";
    license = with lib.licenses; [ mit asl20 ];
    mainProgram = "rolecall";
    platforms = lib.platforms.unix;
  };
}
