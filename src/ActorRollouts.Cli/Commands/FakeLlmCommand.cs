using System.CommandLine;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Commands;

/// <summary><c>fake-llm --script FILE</c>: the scripted OpenAI-compatible server on its own, until Ctrl+C.</summary>
public static class FakeLlmCommand
{
    private static readonly Option<string> Script = new("--script") { Description = "The script (JSON) to play.", Required = true };
    private static readonly Option<int> Port = new("--port") { Description = "Port on 127.0.0.1 (0 = any free one).", DefaultValueFactory = _ => 0 };

    public static Command Create()
    {
        var command = new Command("fake-llm", "Serve a scripted OpenAI-compatible model on 127.0.0.1 (for tests and offline demos).") { Script, Port };
        command.SetAction((parse, cancel) => ServeAsync(parse, cancel));
        return command;
    }

    private static async Task<int> ServeAsync(ParseResult parse, CancellationToken cancel)
    {
        var script = Hosting.CommonOptions.LoadScript(parse.GetValue(Script)!);
        await using var server = await FakeLlmServer.StartAsync(script, parse.GetValue(Port), cancel);
        Console.WriteLine($"fake-llm listening on {server.BaseUrl} (use --base-url {server.BaseUrl}); Ctrl+C to stop");
        try
        {
            await Task.Delay(Timeout.Infinite, cancel);
        }
        catch (OperationCanceledException)
        {
        }
        Console.WriteLine($"fake-llm stopped after {server.Requests.Count} requests");
        return ExitCodes.Ok;
    }
}
