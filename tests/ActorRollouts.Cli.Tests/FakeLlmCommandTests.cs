using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ActorRollouts.Cli.Tests;

public class FakeLlmCommandTests
{
    [Fact]
    public async Task FakeLlm_Standalone_ServesTheScriptOnTheUrlItPrints()
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "actor-rollouts.dll"), "fake-llm", "--script", "examples/fake-llm.json"])
        {
            WorkingDirectory = Cli.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var line = await process.StandardOutput.ReadLineAsync(cancel.Token) ?? "";
            var url = Regex.Match(line, @"http://127\.0\.0\.1:\d+/v1").Value;
            Assert.False(string.IsNullOrEmpty(url), $"no URL in: {line}");

            using var http = new HttpClient();
            var body = """{"model":"m","messages":[{"role":"user","content":"Fix the spelling mistake in greeting.txt."}]}""";
            var response = await http.PostAsync($"{url}/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"), cancel.Token);
            var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancel.Token))!;

            Assert.Equal("read_file", (string?)json["choices"]![0]!["message"]!["tool_calls"]![0]!["function"]!["name"]);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Started the way a script or a CI job starts it (no terminal; from a non-interactive shell a background job
    /// even starts with SIGINT ignored), it still stops on SIGINT and on SIGTERM.</summary>
    [Theory]
    [InlineData("INT", true)]
    [InlineData("INT", false)]
    [InlineData("TERM", false)]
    public async Task FakeLlm_WithoutATerminal_StopsOnTheSignal(string signal, bool startedWithSigintIgnored)
    {
        var binary = Path.Combine(AppContext.BaseDirectory, "actor-rollouts.dll");
        // `trap '' INT` makes the shell ignore SIGINT, and exec hands that to dotnet exactly as `cmd &` in a script would.
        var start = new ProcessStartInfo("bash", ["-c", $"{(startedWithSigintIgnored ? "trap '' INT; " : "")}exec dotnet {binary} fake-llm --script examples/fake-llm.json"])
        {
            WorkingDirectory = Cli.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var line = await process.StandardOutput.ReadLineAsync(cancel.Token) ?? "";
            Assert.Contains("fake-llm listening on", line);

            using (var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString()])) await kill.WaitForExitAsync(cancel.Token);
            await process.WaitForExitAsync(cancel.Token);

            Assert.Equal(0, process.ExitCode);
            Assert.Contains("fake-llm stopped", await process.StandardOutput.ReadToEndAsync(cancel.Token));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task FakeLlm_BadScript_ExitsTwo()
    {
        var result = await Cli.RunAsync(["fake-llm", "--script", "no-such-script.json"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("does not exist", result.Stderr);
    }
}
