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

    [Fact]
    public async Task FakeLlm_BadScript_ExitsTwo()
    {
        var result = await Cli.RunAsync(["fake-llm", "--script", "no-such-script.json"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("does not exist", result.Stderr);
    }
}
