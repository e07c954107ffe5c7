# Homebrew formula for rolecall, built from source. For a tap: set `url` to the release tarball
# and `sha256` to its checksum (`shasum -a 256 rolecall-0.1.0.tar.gz`); `version` is read from
# the url. scripts/check-packaging keeps the version and license in step with Cargo.toml.
class Rolecall < Formula
  desc "Short-lived AWS credentials from ~/.aws/config profiles"
  homepage "https://github.com/OWNER/rolecall"
  url "https://github.com/OWNER/rolecall/archive/refs/tags/v0.1.0.tar.gz"
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  license any_of: ["MIT", "Apache-2.0"]

  depends_on "rust" => :build

  def install
    system "cargo", "install", "--locked", *std_cargo_args
    bash_completion.install "completions/rolecall.bash" => "rolecall"
    zsh_completion.install "completions/_rolecall"
    fish_completion.install "completions/rolecall.fish"
    man1.install Dir["man/*.1"]
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/rolecall --version")
    (testpath/".aws/config").write <<~EOS
      [profile demo]
      aws_access_key_id = AKIAIOSFODNN7EXAMPLE
      aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
    EOS
    ENV["HOME"] = testpath
    assert_match "demo", shell_output("#{bin}/rolecall profiles")
    assert_match "export AWS_ACCESS_KEY_ID='AKIAIOSFODNN7EXAMPLE'",
                 shell_output("#{bin}/rolecall env demo --format bash")
    assert_match "__rolecall_use", shell_output("#{bin}/rolecall init zsh")
  end
end
