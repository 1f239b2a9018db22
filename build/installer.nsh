; Included by electron-builder's NSIS installer (electron-builder.yml, nsis.include).
; keybridge:// (RFC 8252 §7.1 private-use scheme) for the sign-in redirect, registered per user like the app
; itself (perMachine: false), at the same key app.setAsDefaultProtocolClient writes at run time — and removed
; again on uninstall, so no link is left pointing at a deleted Keybridge.exe.

!macro customInstall
  WriteRegStr HKCU "Software\Classes\keybridge" "" "URL:Keybridge"
  WriteRegStr HKCU "Software\Classes\keybridge" "URL Protocol" ""
  WriteRegStr HKCU "Software\Classes\keybridge\DefaultIcon" "" "$INSTDIR\${APP_EXECUTABLE_FILENAME},0"
  WriteRegStr HKCU "Software\Classes\keybridge\shell\open\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" "%1"'
!macroend

!macro customUnInstall
  DeleteRegKey HKCU "Software\Classes\keybridge"
!macroend
