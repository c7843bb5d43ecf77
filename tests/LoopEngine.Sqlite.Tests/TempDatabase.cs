namespace LoopEngine.Sqlite.Tests;

/// <summary>A temporary directory for SQLite files, deleted when disposed.</summary>
internal sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "loopengine-sqlite-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string Path(string name = "loops.db") => System.IO.Path.Combine(Directory, name);

    public string ConnectionString(string name = "loops.db") => "Data Source=" + Path(name);

    /// <summary>Runs a query on a connection of its own and returns its single value as an integer.</summary>
    public long Scalar(string sql, string name = "loops.db")
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString(name));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a killed child; the OS temp cleaner removes it.
        }
    }
}
