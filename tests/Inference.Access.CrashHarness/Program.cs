using Inference.Access.Cli;

// Creates keys through the CLI until killed. The crash test reads the "key:" lines from stdout: each is a key
// whose creation was reported, and so must be in the database after a SIGKILL.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: Inference.Access.CrashHarness DB_PATH");
    return 2;
}

for (var i = 0; ; i++)
{
    var code = KeyCommands.Run(["keys", "create", "--name", $"crash-{i}", "--rpm", "60", "--db", args[0]], Console.Out, Console.Error);
    if (code != 0)
    {
        return code;
    }

    Console.Out.Flush();
}
