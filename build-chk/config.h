/* generated from configs/defconfig by scripts/config2h.sh: do not edit */
#ifndef V6MIG_CONFIG_H
#define V6MIG_CONFIG_H
#define CONFIG_METHOD_MAP_E 1
#define CONFIG_METHOD_MAP_E_MESH 1
#define CONFIG_METHOD_DSLITE 1
#define CONFIG_METHOD_LW4O6 1
#define CONFIG_METHOD_IPIP 1
#define CONFIG_METHOD_MAP_T 1
#define CONFIG_METHOD_464XLAT 1
#define CONFIG_VENDORID "acde48-v6mig"
#define CONFIG_PRODUCT "V6MIG-AGENT"
#define CONFIG_VERSION "0_1_0"
#define CONFIG_DISCOVERY_DOMAIN "4over6.info"
#define CONFIG_STATE_DIR "/var/lib/v6mig"
#define CONFIG_RUN_DIR "/run/v6mig"
#define CONFIG_CONFIG_PATH "/etc/v6mig/v6mig.conf"
#endif
