package dast

import "github.com/secops-dev/secops/pkg/findings"

// Check describes one kind of problem the scanner reports.
type Check struct {
	ID          string
	Title       string
	Description string
	CWE         int
	Severity    string
	// Types are the ASFF finding types.
	Types          []string
	Remediation    string
	RemediationURL string
	// Active checks send attack payloads; passive ones only read.
	Active bool
}

const (
	typeCWE      = "Software and Configuration Checks/Vulnerabilities/CWE"
	typeExposure = "Effects/Data Exposure"
	typeHeaders  = "Software and Configuration Checks/Industry and Regulatory Standards/OWASP Secure Headers"
	cheat        = "https://cheatsheetseries.owasp.org/cheatsheets/"
)

// Check ids.
const (
	CheckCSP            = "header-csp"
	CheckHSTS           = "header-hsts"
	CheckXCTO           = "header-x-content-type-options"
	CheckClickjacking   = "header-anti-clickjacking"
	CheckCookieSecure   = "cookie-no-secure"
	CheckCookieHTTPOnly = "cookie-no-httponly"
	CheckCookieSameSite = "cookie-no-samesite"
	CheckVersion        = "version-disclosure"
	CheckDirListing     = "directory-listing"
	CheckStackTrace     = "stack-trace-disclosure"
	CheckSQLError       = "sql-error-disclosure"
	CheckCORS           = "cors-misconfiguration"
	CheckSensitiveURL   = "sensitive-data-in-url"
	CheckCSRF           = "csrf-token-missing"
	CheckSQLiError      = "sqli-error"
	CheckSQLiBoolean    = "sqli-boolean"
	CheckSQLiTime       = "sqli-time"
	CheckXSSReflected   = "xss-reflected"
	CheckXSSStored      = "xss-stored"
	CheckCmdiOutput     = "cmdi-output"
	CheckCmdiTime       = "cmdi-time"
	CheckPathTraversal  = "path-traversal"
	CheckOpenRedirect   = "open-redirect"
	CheckSSTI           = "ssti"
	CheckSSRF           = "ssrf"
	CheckPHPInfo        = "phpinfo-exposed"
	CheckBackupFile     = "backup-file-exposed"
	CheckGit            = "git-repository-exposed"
	CheckEnvFile        = "env-file-exposed"
	CheckDSStore        = "ds-store-exposed"
	CheckServerStatus   = "server-status-exposed"
	CheckSessionID      = "session-id-predictable"
	CheckWeakLogin      = "weak-credentials"
	CheckUpload         = "file-upload-executed"
)

const wstgBackup = "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/02-Configuration_and_Deployment_Management_Testing/04-Review_Old_Backup_and_Unreferenced_Files_for_Sensitive_Information"

var sqliRemediation = "Use parameterised queries (prepared statements) for every query that includes user input; never build SQL by string concatenation."

// Checks lists every check the scanner runs, by id.
var Checks = map[string]Check{
	CheckCSP: {ID: CheckCSP, Title: "Content-Security-Policy missing or weak", CWE: 693, Severity: findings.SeverityMedium, Types: []string{typeHeaders, typeCWE},
		Description: "HTML responses carry no Content-Security-Policy header, or one that allows inline or any-origin scripts, so an injected script runs unhindered.",
		Remediation: "Send a Content-Security-Policy with a strict script-src (nonces or hashes, no 'unsafe-inline', no *) and frame-ancestors.", RemediationURL: cheat + "Content_Security_Policy_Cheat_Sheet.html"},
	CheckHSTS: {ID: CheckHSTS, Title: "Strict-Transport-Security missing or weak", CWE: 319, Severity: findings.SeverityLow, Types: []string{typeHeaders, typeCWE},
		Description: "HTTPS responses carry no Strict-Transport-Security header, or one with a max-age under six months, so a first visit over HTTP can be downgraded.",
		Remediation: "Send Strict-Transport-Security: max-age=31536000; includeSubDomains on every HTTPS response.", RemediationURL: cheat + "HTTP_Strict_Transport_Security_Cheat_Sheet.html"},
	CheckXCTO: {ID: CheckXCTO, Title: "X-Content-Type-Options missing", CWE: 693, Severity: findings.SeverityLow, Types: []string{typeHeaders, typeCWE},
		Description: "Responses carry no X-Content-Type-Options: nosniff header, so browsers may sniff content into an executable type.",
		Remediation: "Send X-Content-Type-Options: nosniff on every response.", RemediationURL: cheat + "HTTP_Headers_Cheat_Sheet.html"},
	CheckClickjacking: {ID: CheckClickjacking, Title: "Anti-clickjacking protection missing", CWE: 1021, Severity: findings.SeverityMedium, Types: []string{typeHeaders, typeCWE},
		Description: "HTML responses set neither a CSP frame-ancestors directive nor X-Frame-Options, so other sites can frame the pages.",
		Remediation: "Send Content-Security-Policy: frame-ancestors 'self' (or X-Frame-Options: DENY).", RemediationURL: cheat + "Clickjacking_Defense_Cheat_Sheet.html"},
	CheckCookieSecure: {ID: CheckCookieSecure, Title: "Cookie without Secure flag", CWE: 614, Severity: findings.SeverityLow, Types: []string{typeCWE},
		Description: "A cookie set over HTTPS lacks the Secure attribute and would also travel over plain HTTP.",
		Remediation: "Set the Secure attribute on every cookie of an HTTPS site.", RemediationURL: cheat + "Session_Management_Cheat_Sheet.html"},
	CheckCookieHTTPOnly: {ID: CheckCookieHTTPOnly, Title: "Cookie without HttpOnly flag", CWE: 1004, Severity: findings.SeverityLow, Types: []string{typeCWE},
		Description: "A cookie lacks the HttpOnly attribute, so a script injected into the page can read it.",
		Remediation: "Set HttpOnly on session and other sensitive cookies.", RemediationURL: cheat + "Session_Management_Cheat_Sheet.html"},
	CheckCookieSameSite: {ID: CheckCookieSameSite, Title: "Cookie without SameSite attribute", CWE: 1275, Severity: findings.SeverityLow, Types: []string{typeCWE},
		Description: "A cookie lacks the SameSite attribute (or uses SameSite=None), so it is sent on cross-site requests.",
		Remediation: "Set SameSite=Lax or Strict on cookies.", RemediationURL: cheat + "Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html"},
	CheckVersion: {ID: CheckVersion, Title: "Server or framework version disclosed", CWE: 200, Severity: findings.SeverityLow, Types: []string{typeExposure, typeCWE},
		Description: "A response header names the server or framework with its version, which tells an attacker which known vulnerabilities to try.",
		Remediation: "Remove version numbers from Server, X-Powered-By and similar headers.", RemediationURL: cheat + "HTTP_Headers_Cheat_Sheet.html"},
	CheckDirListing: {ID: CheckDirListing, Title: "Directory listing enabled", CWE: 548, Severity: findings.SeverityMedium, Types: []string{typeExposure, typeCWE},
		Description: "The server lists the files of a directory, exposing files that were never linked.",
		Remediation: "Turn off automatic directory indexes on the web server.", RemediationURL: "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/02-Configuration_and_Deployment_Management_Testing/04-Review_Old_Backup_and_Unreferenced_Files_for_Sensitive_Information"},
	CheckStackTrace: {ID: CheckStackTrace, Title: "Stack trace disclosed", CWE: 209, Severity: findings.SeverityMedium, Types: []string{typeExposure, typeCWE},
		Description: "A response contains a stack trace, revealing code paths, library versions and file locations.",
		Remediation: "Catch errors and return a generic error page; log details on the server only.", RemediationURL: cheat + "Error_Handling_Cheat_Sheet.html"},
	CheckSQLError: {ID: CheckSQLError, Title: "SQL error message disclosed", CWE: 209, Severity: findings.SeverityMedium, Types: []string{typeExposure, typeCWE},
		Description: "A response contains a database error message, revealing the query structure and often an injection point.",
		Remediation: "Return generic errors; log database errors on the server only.", RemediationURL: cheat + "Error_Handling_Cheat_Sheet.html"},
	CheckCORS: {ID: CheckCORS, Title: "CORS policy trusts any origin", CWE: 942, Severity: findings.SeverityHigh, Types: []string{typeCWE},
		Description: "The server echoes an arbitrary Origin in Access-Control-Allow-Origin (with credentials allowed), so any site can read authenticated responses.",
		Remediation: "Allow only a fixed list of trusted origins; never reflect the Origin header together with Access-Control-Allow-Credentials: true.", RemediationURL: "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/11-Client-side_Testing/07-Testing_Cross_Origin_Resource_Sharing"},
	CheckSensitiveURL: {ID: CheckSensitiveURL, Title: "Sensitive data in URL", CWE: 598, Severity: findings.SeverityMedium, Types: []string{typeExposure, typeCWE},
		Description: "A password, token or key travels in a URL query string, where logs, proxies, browser history and Referer headers keep it.",
		Remediation: "Send secrets in POST bodies or headers, never in URLs.", RemediationURL: cheat + "Session_Management_Cheat_Sheet.html"},
	CheckCSRF: {ID: CheckCSRF, Title: "Form without anti-CSRF token", CWE: 352, Severity: findings.SeverityMedium, Types: []string{typeCWE},
		Description: "A POST form carries no anti-CSRF token, so another site can submit it on behalf of a logged-in user.",
		Remediation: "Add a per-session anti-CSRF token to every state-changing form and verify it on the server (or use SameSite cookies plus origin checks).", RemediationURL: cheat + "Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html"},
	CheckSQLiError: {ID: CheckSQLiError, Title: "SQL injection (error-based)", CWE: 89, Severity: findings.SeverityHigh, Types: []string{typeCWE}, Active: true,
		Description: "Breaking the SQL syntax with this parameter makes the database report a syntax error: the value is concatenated into a query.",
		Remediation: sqliRemediation, RemediationURL: cheat + "SQL_Injection_Prevention_Cheat_Sheet.html"},
	CheckSQLiBoolean: {ID: CheckSQLiBoolean, Title: "SQL injection (boolean-based)", CWE: 89, Severity: findings.SeverityHigh, Types: []string{typeCWE}, Active: true,
		Description: "Appending an always-true condition to this parameter keeps the response while an always-false one changes it: the value is evaluated as SQL.",
		Remediation: sqliRemediation, RemediationURL: cheat + "SQL_Injection_Prevention_Cheat_Sheet.html"},
	CheckSQLiTime: {ID: CheckSQLiTime, Title: "SQL injection (time-based)", CWE: 89, Severity: findings.SeverityHigh, Types: []string{typeCWE}, Active: true,
		Description: "A database sleep function injected into this parameter delays the response by the requested time, repeatedly: the value is executed as SQL.",
		Remediation: sqliRemediation, RemediationURL: cheat + "SQL_Injection_Prevention_Cheat_Sheet.html"},
	CheckXSSReflected: {ID: CheckXSSReflected, Title: "Cross-site scripting (reflected)", CWE: 79, Severity: findings.SeverityHigh, Types: []string{typeCWE}, Active: true,
		Description: "A script payload sent in this parameter comes back unescaped in an executable context of the HTML response.",
		Remediation: "Encode output for its context (HTML body, attribute, JavaScript) with a templating engine that escapes by default; add a strict CSP.", RemediationURL: cheat + "Cross_Site_Scripting_Prevention_Cheat_Sheet.html"},
	CheckXSSStored: {ID: CheckXSSStored, Title: "Cross-site scripting (stored)", CWE: 79, Severity: findings.SeverityHigh, Types: []string{typeCWE}, Active: true,
		Description: "A script payload submitted in this parameter is stored and later served unescaped in an executable context of another page.",
		Remediation: "Encode stored data for its output context when rendering it; validate input on the way in.", RemediationURL: cheat + "Cross_Site_Scripting_Prevention_Cheat_Sheet.html"},
	CheckCmdiOutput: {ID: CheckCmdiOutput, Title: "OS command injection", CWE: 78, Severity: findings.SeverityCritical, Types: []string{typeCWE}, Active: true,
		Description: "A shell command appended to this parameter runs on the server and its output appears in the response.",
		Remediation: "Do not pass user input to a shell; call programs with an argument list and validate input against an allow-list.", RemediationURL: cheat + "OS_Command_Injection_Defense_Cheat_Sheet.html"},
	CheckCmdiTime: {ID: CheckCmdiTime, Title: "OS command injection (time-based)", CWE: 78, Severity: findings.SeverityCritical, Types: []string{typeCWE}, Active: true,
		Description: "A sleep command appended to this parameter delays the response by the requested time, repeatedly: the value reaches a shell.",
		Remediation: "Do not pass user input to a shell; call programs with an argument list and validate input against an allow-list.", RemediationURL: cheat + "OS_Command_Injection_Defense_Cheat_Sheet.html"},
	CheckPathTraversal: {ID: CheckPathTraversal, Title: "Path traversal / local file inclusion", CWE: 22, Severity: findings.SeverityHigh, Types: []string{typeCWE, typeExposure}, Active: true,
		Description: "A relative path sent in this parameter makes the server return a file outside the intended directory (/etc/passwd).",
		Remediation: "Map user input to files through an allow-list or an index; never join it into a file path.", RemediationURL: cheat + "Input_Validation_Cheat_Sheet.html"},
	CheckOpenRedirect: {ID: CheckOpenRedirect, Title: "Open redirect", CWE: 601, Severity: findings.SeverityMedium, Types: []string{typeCWE}, Active: true,
		Description: "This parameter redirects the browser to any external site, which phishing links abuse.",
		Remediation: "Redirect only to relative paths or an allow-list of destinations.", RemediationURL: cheat + "Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html"},
	CheckSSTI: {ID: CheckSSTI, Title: "Server-side template injection", CWE: 1336, Severity: findings.SeverityHigh, Types: []string{typeCWE}, Active: true,
		Description: "A template expression sent in this parameter is evaluated by the server's template engine, which usually leads to code execution.",
		Remediation: "Never build templates from user input; pass input as template data.", RemediationURL: "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/07-Input_Validation_Testing/18-Testing_for_Server-side_Template_Injection"},
	CheckSSRF: {ID: CheckSSRF, Title: "Server-side request forgery", CWE: 918, Severity: findings.SeverityHigh, Types: []string{typeCWE}, Active: true,
		Description: "A URL sent in this parameter made the server connect to the scanner's canary listener: the server fetches attacker-chosen URLs.",
		Remediation: "Fetch only allow-listed destinations; block internal addresses and validate URLs after resolution.", RemediationURL: cheat + "Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html"},
	CheckPHPInfo: {ID: CheckPHPInfo, Title: "phpinfo() page exposed", CWE: 200, Severity: findings.SeverityMedium, Types: []string{typeExposure, typeCWE},
		Description: "A page shows the output of phpinfo(): the PHP version and modules, the server's paths, environment variables and often credentials passed in the environment.",
		Remediation: "Remove phpinfo() pages from the server, or restrict them to administrators.", RemediationURL: wstgBackup},
	CheckBackupFile: {ID: CheckBackupFile, Title: "Backup or editor copy of a script exposed", CWE: 530, Severity: findings.SeverityHigh, Types: []string{typeExposure, typeCWE},
		Description: "A backup or editor copy of a server-side script (.bak, .old, ~, .swp) is served as plain text, revealing its source code and any credentials in it.",
		Remediation: "Delete backup and editor files from the web root and deny them in the server configuration; deploy from a clean build.", RemediationURL: wstgBackup},
	CheckGit: {ID: CheckGit, Title: "Git repository exposed", CWE: 527, Severity: findings.SeverityHigh, Types: []string{typeExposure, typeCWE},
		Description: "The .git directory is served: anyone can download the repository, with its full source history and any secrets ever committed.",
		Remediation: "Deploy without the .git directory, and deny paths starting with /. in the web server.", RemediationURL: wstgBackup},
	CheckEnvFile: {ID: CheckEnvFile, Title: "Environment file (.env) exposed", CWE: 538, Severity: findings.SeverityHigh, Types: []string{typeExposure, typeCWE},
		Description: "A .env file is served: it usually holds database passwords, API keys and application secrets.",
		Remediation: "Keep .env files outside the web root and deny dot-files in the web server; rotate the secrets it held.", RemediationURL: wstgBackup},
	CheckDSStore: {ID: CheckDSStore, Title: ".DS_Store file exposed", CWE: 538, Severity: findings.SeverityLow, Types: []string{typeExposure, typeCWE},
		Description: "A macOS .DS_Store file is served: it lists the names of files in its directory, including ones never linked.",
		Remediation: "Delete .DS_Store files from the web root and deny dot-files in the web server.", RemediationURL: wstgBackup},
	CheckServerStatus: {ID: CheckServerStatus, Title: "Server status page exposed", CWE: 200, Severity: findings.SeverityMedium, Types: []string{typeExposure, typeCWE},
		Description: "The web server's status page (Apache mod_status, nginx stub_status) is public: it shows the requests being served, client addresses and the server's configuration.",
		Remediation: "Restrict server-status and similar pages to localhost or administrators.", RemediationURL: wstgBackup},
	CheckSessionID: {ID: CheckSessionID, Title: "Predictable session identifier", CWE: 330, Severity: findings.SeverityHigh, Types: []string{typeCWE}, Active: true,
		Description: "A session cookie issued several times in a row takes values that follow each other (a counter, a timestamp or the hash of one), so another user's session can be guessed.",
		Remediation: "Issue session identifiers from a cryptographically secure random generator with at least 128 bits of entropy; use the framework's session management.", RemediationURL: cheat + "Session_Management_Cheat_Sheet.html"},
	CheckWeakLogin: {ID: CheckWeakLogin, Title: "Login form accepts a default password", CWE: 1392, Severity: findings.SeverityHigh, Types: []string{typeCWE}, Active: true,
		Description: "A login form signs in with a well-known default user name and password, and answers wrong passwords without slowing down or locking: the account falls to the first guesses of a brute-force attack.",
		Remediation: "Remove default accounts or force a password change on first use; reject common passwords; lock out or throttle after repeated failures.", RemediationURL: cheat + "Authentication_Cheat_Sheet.html"},
	CheckUpload: {ID: CheckUpload, Title: "Uploaded file executed as code", CWE: 434, Severity: findings.SeverityCritical, Types: []string{typeCWE}, Active: true,
		Description: "A file upload form accepts a server-side script, stores it in the web root and the server runs it when it is requested: anyone who can upload runs code on the server.",
		Remediation: "Allow-list file types by content, store uploads outside the web root under generated names, and never let the server execute them.", RemediationURL: cheat + "File_Upload_Cheat_Sheet.html"},
}
