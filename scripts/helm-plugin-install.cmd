@echo off
rem Helm 4 plugin install/update hook on Windows (plugin.yaml): build stowage.exe into
rem %HELM_PLUGIN_DIR%\bin, where platformCommand runs it. Needs cargo (https://rustup.rs).
where cargo >nul 2>nul || (echo helm-plugin-install: error: cargo is needed to build stowage, or put stowage.exe in "%HELM_PLUGIN_DIR%\bin" 1>&2 & exit /b 1)
cargo install --locked --path "%HELM_PLUGIN_DIR%" --root "%HELM_PLUGIN_DIR%" --bin stowage || exit /b 1
echo stowage installed at %HELM_PLUGIN_DIR%\bin\stowage.exe
